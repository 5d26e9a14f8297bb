"""Processes the crash tests start and kill: a consumer and an outbox relay.

Run as `python -m tests.integration.procs consume SCHEMA` or `... relay SCHEMA BATCH
[PAUSE_MS]` with GOVMESH_* settings.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import OutboxRelay, OutboxWriter, create_engine
from govmesh.mesh.kafka import MeshProducer
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.settings import MeshSettings

EFFECTS_DDL = "CREATE TABLE IF NOT EXISTS effects (event_id uuid PRIMARY KEY, scope text NOT NULL)"


async def record_effect(conn: AsyncConnection, batch: list[Delivery], _: OutboxWriter) -> None:
    for delivery in batch:
        await conn.execute(
            sa.text("INSERT INTO effects (event_id, scope) VALUES (:id, :scope)"),
            {"id": delivery.envelope.event_id, "scope": delivery.message.scope},  # type: ignore[attr-defined]
        )


async def consume_then_die(schema: str) -> None:
    """Handle one batch durably, then die before the offset commit (SIGKILL)."""
    runtime = ServiceRuntime(
        MeshSettings(), produces=[], consumes=["governance.signals"], schema=schema
    )
    transactional = runtime.transactional(record_effect)

    async def handler(batch: list[Delivery]) -> None:
        await transactional(batch)
        os.kill(os.getpid(), signal.SIGKILL)

    runtime.consumer(["governance.signals"], "exactly-once", handler)
    await runtime.start()
    await asyncio.sleep(120)


class _SlowBroker(MeshProducer):
    """A producer whose broker takes `pause_s` to acknowledge each batch."""

    pause_s = 0.0

    async def send_raw(self, items) -> None:  # type: ignore[no-untyped-def]
        await super().send_raw(items)
        await asyncio.sleep(self.pause_s)


async def relay(schema: str, batch: int, pause_ms: int) -> None:
    """The outbox relay; `pause_ms` per batch lets a test kill it mid-way for sure."""
    settings = MeshSettings()
    engine = create_engine(settings.require_database(), schema)
    producer = _SlowBroker(settings, ["governance.signals"])
    producer.pause_s = pause_ms / 1000
    await producer.start()
    await OutboxRelay(engine, producer, "test", batch=batch, poll_interval_s=0.05).run()


if __name__ == "__main__":
    command, schema = sys.argv[1], sys.argv[2]
    if command == "consume":
        asyncio.run(consume_then_die(schema))
    elif command == "relay":
        asyncio.run(relay(schema, int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0))
    else:
        raise SystemExit(f"unknown command {command}")

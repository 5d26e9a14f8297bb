"""Exactly-once effects over at-least-once delivery, with real process kills."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.db import OutboxRelay, OutboxWriter, create_engine
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.kafka import MeshProducer, Outgoing
from govmesh.mesh.migrate import upgrade
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.signing import Signer
from govmesh.schemas import Envelope, Principal
from tests.infra import unique
from tests.integration.helpers import drain, governance_signal, produce_raw, wait_until
from tests.integration.procs import EFFECTS_DDL, record_effect

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GOVMESH_PRINCIPAL": settings.principal.value,
            "GOVMESH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "GOVMESH_DATABASE_URL": settings.database_url,
            "GOVMESH_KEYS_DIR": str(settings.keys_dir),
            "GOVMESH_TOPIC_PREFIX": settings.topic_prefix,
        }
    )
    return env


async def _schema(database_url: str) -> str:
    schema = unique("s_")
    await asyncio.to_thread(upgrade, database_url, schema)
    engine = create_engine(database_url, schema)
    async with engine.begin() as conn:
        await conn.execute(sa.text(EFFECTS_DDL))
    await engine.dispose()
    return schema


async def test_killed_between_db_commit_and_offset_commit_redelivery_is_a_no_op(
    mesh, keys_dir: Path, database_url: str
) -> None:
    settings = mesh(Principal.ELIGIBILITY)
    schema = await _schema(database_url)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    envelope = make_envelope(governance_signal("LOGS_LIST"), console)
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("governance.signals"),
        [(b"LOGS_LIST", envelope.to_bytes())],
    )

    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.integration.procs", "consume", schema],
        cwd=ROOT,
        env=_env(settings),
        timeout=90,
        capture_output=True,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]

    engine = create_engine(database_url, schema)
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM effects")) == 1

    # A new process of the same group gets the message again: the inbox drops it.
    runtime = ServiceRuntime(settings, produces=[], consumes=["governance.signals"], schema=schema)
    effect_calls: list[UUID] = []

    async def counting(conn, batch: list[Delivery], outbox: OutboxWriter) -> None:
        effect_calls.extend(d.envelope.event_id for d in batch)
        await record_effect(conn, batch, outbox)

    transactional = runtime.transactional(counting)
    redelivered: list[UUID] = []

    async def handler(batch: list[Delivery]) -> None:
        redelivered.extend(d.envelope.event_id for d in batch)
        await transactional(batch)

    runtime.consumer(["governance.signals"], "exactly-once", handler)
    await runtime.start()
    try:
        await wait_until(lambda: bool(redelivered), timeout_s=40)
        await asyncio.sleep(0.5)
    finally:
        await runtime.stop()

    assert redelivered == [envelope.event_id]
    assert effect_calls == []
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM effects")) == 1
        assert await conn.scalar(sa.text("SELECT count(*) FROM inbox")) == 1
    await engine.dispose()


async def _commit_signals(engine: AsyncEngine, signer: Signer, count: int) -> list[Envelope]:
    """`count` signed governance signals committed to the outbox in one transaction."""
    committed = [make_envelope(governance_signal(f"CAP_{i}"), signer) for i in range(count)]
    async with engine.begin() as conn:
        writer = OutboxWriter(conn)
        for env in committed:
            writer.add(Outgoing("governance.signals", env.data["scope"], env))
        await writer.flush()
    return committed


async def test_outbox_relay_killed_mid_batch_publishes_every_committed_row_and_nothing_uncommitted(
    mesh, keys_dir: Path, database_url: str
) -> None:
    settings = mesh(Principal.CONSOLE)
    schema = await _schema(database_url)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    engine = create_engine(database_url, schema)
    committed = await _commit_signals(engine, console, 600)
    rolled_back = make_envelope(governance_signal("NEVER"), console)
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            writer = OutboxWriter(conn)
            writer.add(Outgoing("governance.signals", "NEVER", rolled_back))
            await writer.flush()
            raise RuntimeError("abort the transaction")

    topic = settings.kafka_topic("governance.signals")
    # 100 ms per batch of 40: 15 batches take 1.5 s, so the kill lands mid-way.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.procs", "relay", schema, "40", "100"],
        cwd=ROOT,
        env=_env(settings),
    )
    try:
        await drain(settings.kafka_bootstrap, topic, until=lambda r: len(r) >= 120, timeout_s=60)
    finally:
        proc.kill()
        proc.wait()
    async with engine.connect() as conn:
        left = await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    assert left > 0, "the relay finished before it could be killed mid-way"

    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.procs", "relay", schema, "40"],
        cwd=ROOT,
        env=_env(settings),
    )
    try:
        records = await drain(
            settings.kafka_bootstrap,
            topic,
            until=lambda r: {x.key for x in r} >= {e.data["scope"].encode() for e in committed},
            timeout_s=60,
        )
    finally:
        proc.kill()
        proc.wait()
    seen = [UUID(__import__("json").loads(r.value)["event_id"]) for r in records]
    assert set(seen) == {e.event_id for e in committed}
    assert rolled_back.event_id not in seen
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM outbox")) == 600
    await engine.dispose()


class _FailingOnce(MeshProducer):
    """A producer whose first publish fails the way a broker outage does."""

    failed = False

    async def send_raw(self, items) -> None:  # type: ignore[no-untyped-def]
        if not self.failed:
            self.failed = True
            raise RetryableError("broker unreachable")
        await super().send_raw(items)


async def test_outbox_relay_recovers_from_a_failed_publish_and_leaves_no_lock_behind(
    mesh, keys_dir: Path, database_url: str
) -> None:
    settings = mesh(Principal.CONSOLE)
    schema = await _schema(database_url)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    engine = create_engine(database_url, schema)
    committed = await _commit_signals(engine, console, 10)
    producer = _FailingOnce(settings, ["governance.signals"])
    await producer.start()
    relay = OutboxRelay(engine, producer, "test", poll_interval_s=0.05)
    task = asyncio.create_task(relay.run())
    try:
        records = await drain(
            settings.kafka_bootstrap,
            settings.kafka_topic("governance.signals"),
            until=lambda r: len(r) >= len(committed),
            timeout_s=30,
        )
        assert producer.failed
        assert {UUID(json.loads(r.value)["event_id"]) for r in records} == {
            e.event_id for e in committed
        }
        for _ in range(200):
            if await _unpublished(engine) == 0:
                break
            await asyncio.sleep(0.05)
        assert await _unpublished(engine) == 0
    finally:
        await relay.stop()
        await task
        await producer.stop()
    # The relay's connections are back in the pool, still open: none may keep the lock,
    # or a relay reconnecting on another pooled connection would wait on it for ever.
    other = create_engine(database_url, schema)
    async with other.connect() as conn:
        got = await conn.scalar(
            sa.text("SELECT pg_try_advisory_lock(hashtext('govmesh.outbox.' || current_schema()))")
        )
        await conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
    assert got is True
    await other.dispose()
    await engine.dispose()


async def _unpublished(engine) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return int(
            await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        )

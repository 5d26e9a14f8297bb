"""Small helpers for integration tests: raw producing and draining topics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from govmesh.schemas import GovernanceSignal, SignalType


async def produce_raw(
    bootstrap: str, topic: str, items: list[tuple[bytes | None, bytes | None]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks="all")
    await producer.start()
    try:
        for key, value in items:
            await producer.send_and_wait(topic, key=key, value=value)
    finally:
        await producer.stop()


async def drain(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[Any]], bool],
    timeout_s: float = 30.0,
) -> list[Any]:
    """Read a topic from the beginning (no group) until `until(records)` or time runs out."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    records: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline and not until(records):
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
    finally:
        await consumer.stop()
    return records


def governance_signal(scope: str = "LOGS_LIST") -> GovernanceSignal:
    return GovernanceSignal(
        scope=scope,
        signal_type=SignalType.BLOCKED,
        active=True,
        issued_by="founder@console",
        reason="maintenance freeze for the test",
        issued_at=datetime.now(UTC),
    )


def values(records: list[Any]) -> list[dict[str, Any]]:
    return [json.loads(r.value) for r in records]


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


__all__ = ["drain", "governance_signal", "produce_raw", "uuid4", "values", "wait_until"]

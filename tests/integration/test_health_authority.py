"""Only the health principal may produce `health.signals` (PART2-005: health is authority).

The registry allows one producer (`health`); the runtime of every consumer enforces it.
A HealthSignal signed by another principal — here the console, which does produce
governance signals — is refused by a consumer of `health.signals` to its DLQ with
`producer_not_allowed`, while the genuine signal next to it is handled.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from govmesh.mesh import metrics
from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.kafka import MeshConsumer, MeshProducer
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import HealthSignal, HealthStatus, Principal
from tests.integration.helpers import drain, produce_raw, values, wait_until

pytestmark = pytest.mark.integration


def signal(status: HealthStatus, source: str) -> HealthSignal:
    now = datetime.now(UTC)
    return HealthSignal(
        scope="SYSTEM",
        status=status,
        source=source,
        reason="test",
        observed_at=now,
        valid_until=now + timedelta(seconds=15),
    )


async def test_PART2_005_a_health_signal_from_another_principal_is_dead_lettered(
    mesh, keys_dir: Path
) -> None:
    settings = mesh(Principal.EXECUTOR)
    rogue = make_envelope(
        signal(HealthStatus.HEALTHY, "baseline"), Signer.load(keys_dir, Principal.CONSOLE)
    )
    genuine = make_envelope(
        signal(HealthStatus.UNHEALTHY, "alertmanager:HighErrorRate"),
        Signer.load(keys_dir, Principal.HEALTH),
    )
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("health.signals"),
        [(b"SYSTEM", rogue.to_bytes()), (b"SYSTEM", genuine.to_bytes())],
    )
    handled: list[Delivery] = []

    async def handler(batch: list[Delivery]) -> None:
        handled.extend(batch)

    dlq = MeshProducer(settings, ["executor.dlq"])
    await dlq.start()
    consumer = MeshConsumer(
        settings,
        topics=["health.signals"],
        group_id=None,
        handler=handler,
        trust=TrustStore.load(keys_dir),
        signer=Signer.load(keys_dir, Principal.EXECUTOR),
        dlq=dlq,
    )
    violations = metrics.AUTHORITY_VIOLATIONS.labels("health.signals", "console")
    before = violations._value.get()
    await consumer.start()
    task = asyncio.create_task(consumer.run())
    try:
        await wait_until(lambda: len(handled) >= 1, timeout_s=20)
    finally:
        await consumer.stop()
        task.cancel()
        await dlq.stop()

    assert [d.envelope.event_id for d in handled] == [genuine.event_id]
    assert handled[0].envelope.producer == Principal.HEALTH
    letters = values(
        await drain(
            settings.kafka_bootstrap,
            settings.kafka_topic("executor.dlq"),
            until=lambda r: len(r) >= 1,
        )
    )
    assert [(v["data"]["check"], v["data"]["reason"]) for v in letters] == [
        ("authority", "producer_not_allowed")
    ]
    assert letters[0]["data"]["claimed_producer"] == "console"
    assert letters[0]["data"]["original_topic"] == "health.signals"
    assert violations._value.get() == before + 1

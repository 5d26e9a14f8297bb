"""The health service on the real broker (PART2-005): Alertmanager in, HealthSignals out.

One service instance for the whole story (a group-less registry view, so no consumer
group start-up delay): baseline at start, a firing alert becomes UNHEALTHY on
`health.signals` within a second, its resolution HEALTHY again, an ops override wins
with its source while bad tokens are refused, and heartbeats republish with a later
`valid_until`. The clock is injected; heartbeats run every 0.5 s of real time.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from govmesh.health.app import build
from govmesh.health.settings import HealthSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.signing import Signer
from govmesh.schemas import Lifecycle, Principal, RegistryState
from tests.integration.helpers import produce_raw

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "alertmanager"
OPS_TOKEN = "ops-token-for-the-test"
FOUNDER_TOKEN = "founder-token-for-the-test"
HEARTBEAT_S = 0.5


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Tail:
    """Every record of a topic from the beginning, collected in the background."""

    consumer: AIOKafkaConsumer
    records: list[Any] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=100)
            for recs in batch.values():
                self.records.extend(recs)

    def signals(self, scope: str) -> list[dict[str, Any]]:
        return [json.loads(r.value) for r in self.records if r.key == scope.encode()]

    async def until(
        self,
        scope: str,
        predicate: Callable[[dict[str, Any]], bool],
        timeout_s: float,
        *,
        after: int = 0,
    ) -> dict[str, Any]:
        """The first signal of `scope` (from index `after`) matching, within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = [s for s in self.signals(scope)[after:] if predicate(s["data"])]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no matching {scope} signal within {timeout_s}s: "
                    f"{[s['data'] for s in self.signals(scope)][-5:]}"
                )
            await asyncio.sleep(0.02)


@pytest.fixture
async def health(mesh, keys_dir: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Tail, Clock]]:
    base = mesh(Principal.HEALTH)
    executor = Signer.load(keys_dir, Principal.EXECUTOR)
    record = RegistryState(
        name="LOGS_LIST",
        enabled=True,
        lifecycle=Lifecycle.LAUNCHED,
        revision=1,
        updated_at=datetime.now(UTC),
    )
    await produce_raw(
        base.kafka_bootstrap,
        base.kafka_topic("registry.state"),
        [(b"LOGS_LIST", make_envelope(record, executor).to_bytes())],
    )
    settings = HealthSettings(
        **{**base.model_dump(), "principal": Principal.HEALTH},
        ops_tokens={OPS_TOKEN: "ops"},
        founder_tokens={FOUNDER_TOKEN: "founder"},
        health_heartbeat_s=HEARTBEAT_S,
    )
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    runtime, app = build(settings, clock=clock)
    consumer = AIOKafkaConsumer(
        base.kafka_topic("health.signals"),
        bootstrap_servers=base.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    tail = Tail(consumer)
    tail_task = asyncio.create_task(tail.run())
    await runtime.start()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://health") as client:
                yield client, tail, clock
    finally:
        await runtime.stop()
        tail_task.cancel()
        await consumer.stop()


async def ready(client: httpx.AsyncClient, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while (await client.get("/readyz")).status_code != 200:
        if time.monotonic() > deadline:
            raise AssertionError((await client.get("/readyz")).json())
        await asyncio.sleep(0.05)


async def test_PART2_005_alerts_overrides_and_heartbeats_on_health_signals(health) -> None:
    client, tail, clock = health
    await ready(client)

    # At start: SYSTEM and the registry's capability, HEALTHY from the baseline.
    for scope in ("SYSTEM", "LOGS_LIST"):
        baseline = await tail.until(scope, lambda d: d["source"] == "baseline", 5)
        assert baseline["producer"] == "health"
        assert baseline["data"]["status"] == "HEALTHY"

    # Firing critical alert with capability=LOGS_LIST -> UNHEALTHY within a second.
    started = time.monotonic()
    answer = await client.post("/api/v1/alertmanager", json=fixture("firing_capability_critical"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["published"] == ["LOGS_LIST"]
    unhealthy = await tail.until("LOGS_LIST", lambda d: d["status"] == "UNHEALTHY", 1.0)
    assert time.monotonic() - started < 1.0
    assert unhealthy["data"]["source"] == "alertmanager:HighErrorRate"
    data = unhealthy["data"]
    assert unhealthy["event_id"] == str(
        deterministic_id(
            "health.signals",
            "LOGS_LIST",
            datetime.fromisoformat(data["observed_at"]).isoformat(),
            "UNHEALTHY",
            data["source"],
            data["reason"],
        )
    )

    # Resolved (same fingerprint) -> HEALTHY again, from the baseline.
    count = len(tail.signals("LOGS_LIST"))
    started = time.monotonic()
    answer = await client.post("/api/v1/alertmanager", json=fixture("resolved_capability_critical"))
    assert answer.status_code == 200, answer.text
    healthy = await tail.until("LOGS_LIST", lambda d: d["status"] == "HEALTHY", 1.0, after=count)
    assert time.monotonic() - started < 1.0
    assert healthy["data"]["source"] == "baseline"

    # Overrides: refused without the right token, published with its source otherwise.
    body = {"status": "DEGRADED", "reason": "planned failover", "ttl_seconds": 60}
    for headers, status, code in [
        ({}, 401, "UNAUTHORIZED"),
        ({"Authorization": "Bearer not-a-token"}, 401, "UNAUTHORIZED"),
        ({"Authorization": f"Bearer {FOUNDER_TOKEN}"}, 403, "FORBIDDEN"),
    ]:
        refused = await client.put("/api/v1/health/SYSTEM", json=body, headers=headers)
        assert refused.status_code == status
        assert refused.json()["error_code"] == code
        assert set(refused.json()) == {"error_code", "field", "message"}
    ops = {"Authorization": f"Bearer {OPS_TOKEN}"}
    invalid = await client.put(
        "/api/v1/health/SYSTEM", json={**body, "ttl_seconds": -1}, headers=ops
    )
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "ttl_seconds"
    assert not [s for s in tail.signals("SYSTEM") if s["data"]["source"].startswith("override")]

    started = time.monotonic()
    answer = await client.put("/api/v1/health/SYSTEM", json=body, headers=ops)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["source"]) == ("DEGRADED", "override:ops")
    overridden = await tail.until("SYSTEM", lambda d: d["source"] == "override:ops", 1.0)
    assert time.monotonic() - started < 1.0
    assert overridden["data"]["status"] == "DEGRADED"
    assert overridden["data"]["reason"].startswith("planned failover")

    view = {row["scope"]: row for row in (await client.get("/api/v1/health")).json()["scopes"]}
    assert view["SYSTEM"]["source"] == "override:ops"
    assert view["LOGS_LIST"]["source"] == "baseline"

    # Heartbeat: the clock moves on, every scope is republished with a later valid_until.
    last_valid = max(s["data"]["valid_until"] for s in tail.signals("SYSTEM"))
    clock.now += timedelta(seconds=2)
    for scope in ("SYSTEM", "LOGS_LIST"):
        later = await tail.until(scope, lambda d: d["valid_until"] > last_valid, 3.0)
        observed = datetime.fromisoformat(later["data"]["observed_at"])
        valid_until = datetime.fromisoformat(later["data"]["valid_until"])
        assert valid_until - observed == timedelta(seconds=3 * HEARTBEAT_S)
        assert observed == clock.now

    # The override expires: SYSTEM falls back to the baseline without any request.
    count = len(tail.signals("SYSTEM"))
    clock.now += timedelta(seconds=61)
    expired = await tail.until("SYSTEM", lambda d: d["source"] == "baseline", 3.0, after=count)
    assert datetime.fromisoformat(expired["data"]["observed_at"]) == clock.now

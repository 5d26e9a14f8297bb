"""A restart of the health service loses nothing accepted (PART2-005, crash standard).

One instance accepts a firing alert and two overrides, then stops; a new instance on
the same topics reads its own compacted `health.signals` back before its first round
and still reports the alert and the unexpired override (GET and the signals it
publishes), while the override that expired during the outage (injected clock) is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from govmesh.health.app import build
from govmesh.health.settings import HealthSettings
from govmesh.schemas import Principal
from tests.integration.test_health_service import OPS_TOKEN, Clock, Tail, fixture, ready

pytestmark = pytest.mark.integration

OPS = {"Authorization": f"Bearer {OPS_TOKEN}"}


@contextlib.asynccontextmanager
async def instance(settings: HealthSettings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    """One health process: runtime started, app lifespan running, ready."""
    runtime, app = build(settings, clock=clock)
    await runtime.start()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://health") as client:
                await ready(client)
                yield client
    finally:
        await runtime.stop()


async def scopes(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    answer = await client.get("/api/v1/health")
    assert answer.status_code == 200, answer.text
    return {row["scope"]: row for row in answer.json()["scopes"]}


async def test_PART2_005_restart_keeps_firing_alerts_and_unexpired_overrides(mesh) -> None:
    base = mesh(Principal.HEALTH)
    settings = HealthSettings(
        **{**base.model_dump(), "principal": Principal.HEALTH},
        ops_tokens={OPS_TOKEN: "ops"},
        health_heartbeat_s=0.5,
    )
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
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
    try:
        async with instance(settings, clock) as client:
            fired = await client.post(
                "/api/v1/alertmanager", json=fixture("firing_capability_critical")
            )
            assert fired.status_code == 200, fired.text
            for scope, ttl in (("SYSTEM", 600), ("LOG_SEARCH", 60)):
                body = {"status": "DEGRADED", "reason": "planned failover", "ttl_seconds": ttl}
                answer = await client.put(f"/api/v1/health/{scope}", json=body, headers=OPS)
                assert answer.status_code == 200, answer.text
            await tail.until("LOG_SEARCH", lambda d: d["source"] == "override:ops", 3.0)

        # Down for two minutes: LOG_SEARCH's override (60 s) runs out meanwhile.
        clock.now += timedelta(minutes=2)
        counts = {s: len(tail.signals(s)) for s in ("SYSTEM", "LOGS_LIST", "LOG_SEARCH")}
        async with instance(settings, clock) as client:
            view = await scopes(client)
            assert (view["SYSTEM"]["status"], view["SYSTEM"]["source"]) == (
                "DEGRADED",
                "override:ops",
            )
            assert view["SYSTEM"]["override"]["operator"] == "ops"
            assert (view["LOGS_LIST"]["status"], view["LOGS_LIST"]["source"]) == (
                "UNHEALTHY",
                "alertmanager:HighErrorRate",
            )
            assert [a["alertname"] for a in view["LOGS_LIST"]["alerts"]] == ["HighErrorRate"]
            assert view["LOG_SEARCH"]["override"] is None
            assert view["LOG_SEARCH"]["source"] == "baseline"

            # The new instance's own signals say the same, carrying the restored state.
            system = await tail.until("SYSTEM", lambda d: True, 3.0, after=counts["SYSTEM"])
            assert system["data"]["source"] == "override:ops"
            assert system["data"]["override"]["status"] == "DEGRADED"
            logs = await tail.until("LOGS_LIST", lambda d: True, 3.0, after=counts["LOGS_LIST"])
            assert logs["data"]["status"] == "UNHEALTHY"
            assert [a["alertname"] for a in logs["data"]["alerts"]] == ["HighErrorRate"]
            search = await tail.until("LOG_SEARCH", lambda d: True, 3.0, after=counts["LOG_SEARCH"])
            assert (search["data"]["source"], search["data"]["override"]) == ("baseline", None)

            # The restored alert is resolved by its fingerprint as before the restart.
            resolved = await client.post(
                "/api/v1/alertmanager", json=fixture("resolved_capability_critical")
            )
            assert resolved.status_code == 200, resolved.text
            assert resolved.json()["published"] == ["LOGS_LIST"]
            assert (await scopes(client))["LOGS_LIST"]["source"] == "baseline"
    finally:
        tail_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tail_task
        await consumer.stop()

"""Composition root of the health service: the truth authority for health (PART2-005).

Stateless (no database): the current alerts and overrides live in memory, every change
is published at once on `health.signals` (key = scope, compacted) and every scope is
republished each heartbeat. `build(settings, clock=…)` wires the runtime (producer of
`health.signals`, group-less view consumers of `registry.state` and of its own
`health.signals`) and the HTTP app, whose lifespan owns the start-up task: read
`health.signals` to its end and restore the overrides and firing alerts the newest
signal of each scope carries (a restart loses nothing accepted), then run the
heartbeat. Nothing connects until `runtime.start()` / `runtime.serve(app)`.
`python -m govmesh.health migrate` is a no-op.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from govmesh.health.adapters.publisher import SIGNALS_TOPIC, SignalPublisher
from govmesh.health.adapters.registry_view import RegistryScopes
from govmesh.health.adapters.signals_view import OwnSignals
from govmesh.health.entrypoints.deps import HttpContext
from govmesh.health.entrypoints.heartbeat import run_heartbeat
from govmesh.health.entrypoints.http import create_app
from govmesh.health.service_layer.health import Clock, HealthService
from govmesh.health.settings import HealthSettings
from govmesh.mesh import logs
from govmesh.mesh.errors import GovmeshError, RetryableError
from govmesh.mesh.http import broker_check
from govmesh.mesh.runtime import ServiceRuntime, run

REGISTRY = "registry.state"

log = structlog.get_logger(__name__)


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


def build(settings: HealthSettings, *, clock: Clock = utc_now) -> tuple[ServiceRuntime, FastAPI]:
    """The runtime and the app of one health process, sharing one service and one clock."""
    runtime = ServiceRuntime(settings, produces=[SIGNALS_TOPIC], consumes=[REGISTRY, SIGNALS_TOPIC])
    service = HealthService(
        mapping=settings.alert_mapping(),
        heartbeat=settings.heartbeat(),
        override_max=settings.override_max(),
        clock=clock,
        publish=SignalPublisher(runtime),
    )
    registry = runtime.consumer([REGISTRY], None, RegistryScopes(service).apply)
    own = OwnSignals(service)
    own_signals = runtime.consumer([SIGNALS_TOPIC], None, own.apply)
    if not settings.health_alertmanager_tokens:
        log.warning(
            "health.webhook_unauthenticated",
            hint="set GOVMESH_HEALTH_ALERTMANAGER_TOKENS to require a bearer token",
        )

    async def restore_then_beat() -> None:
        await own_signals.caught_up.wait()
        signals = own.newest()
        await service.restore(signals)
        log.info(
            "health.state_restored", scopes=len(signals), overrides=len(service.state.overrides)
        )
        await run_heartbeat(service, registry.caught_up)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(restore_then_beat(), name="heartbeat")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def registry_loaded() -> None:
        if not registry.caught_up.is_set():
            raise GovmeshError("the registry view has not caught up yet")

    async def state_restored() -> None:
        if not service.restored.is_set():
            raise GovmeshError("the state is not restored from health.signals yet")

    async def first_round_published() -> None:
        if not service.started.is_set():
            raise RetryableError("the first round of health signals is not published yet")

    context = HttpContext(
        service=service,
        ops_tokens=settings.ops_tokens,
        founder_tokens=settings.founder_tokens,
        alertmanager_tokens=settings.health_alertmanager_tokens,
        max_body_bytes=settings.health_max_body_bytes,
    )
    checks = {
        "kafka": broker_check(settings.kafka_bootstrap),
        "registry": registry_loaded,
        "restored": state_restored,
        "signals": first_round_published,
    }
    return runtime, create_app(context, checks, lifespan)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.health [serve|migrate]` with GOVMESH_* settings."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.health")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return  # stateless: nothing to migrate
    settings = HealthSettings()
    logs.configure(settings.log_level, "health")
    runtime, app = build(settings)
    run(runtime.serve(app))

"""Composition root of the auditor: stateless, read-only, writes only `audits.verdicts`.

`build(settings, clock=…)` wires a `jobs.events` consumer group and four group-less views
(contracts.lifecycle, health.signals, governance.signals, registry.state); `/readyz` waits
for all four to have caught up. There is no database: `migrate` is a no-op.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from fastapi import FastAPI

from govmesh.auditor.adapters.views import ContractView, HealthView, RegistryView, SignalView
from govmesh.auditor.entrypoints.jobs import VERDICTS, jobs_handler
from govmesh.auditor.service_layer.auditing import Auditing, Clock, Views
from govmesh.auditor.settings import AuditorSettings
from govmesh.mesh import logs
from govmesh.mesh.errors import GovmeshError
from govmesh.mesh.http import ReadinessCheck, base_app, broker_check
from govmesh.mesh.kafka import MeshConsumer
from govmesh.mesh.runtime import ServiceRuntime, run

JOBS = "jobs.events"
CONTRACTS = "contracts.lifecycle"
HEALTH = "health.signals"
SIGNALS = "governance.signals"
REGISTRY = "registry.state"
GROUP = "auditor.jobs"


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


def _caught_up(consumer: MeshConsumer) -> ReadinessCheck:
    async def check() -> None:
        if not consumer.caught_up.is_set():
            raise GovmeshError(f"the views of {', '.join(consumer.topics)} have not caught up yet")

    return check


def build(
    settings: AuditorSettings,
    *,
    clock: Clock = utc_now,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[ServiceRuntime, FastAPI]:
    """The runtime and the app of one auditor process; nothing connects until started."""
    runtime = ServiceRuntime(
        settings, produces=[VERDICTS], consumes=[JOBS, CONTRACTS, HEALTH, SIGNALS, REGISTRY]
    )
    views = Views(ContractView(), HealthView(), SignalView(), RegistryView())
    feed = runtime.views(
        {
            CONTRACTS: views.contracts.apply,
            HEALTH: views.health.apply,
            SIGNALS: views.signals.apply,
            REGISTRY: views.registry.apply,
        }
    )

    async def views_ready() -> None:
        await feed.caught_up.wait()

    auditing = Auditing(
        views,
        budget_s=settings.audit_budget_s,
        retry_delay_s=settings.audit_retry_delay_s,
        clock=clock,
        monotonic=monotonic,
    )
    runtime.consumer([JOBS], GROUP, jobs_handler(runtime, auditing, views_ready))
    checks: dict[str, ReadinessCheck] = {"kafka": broker_check(settings.kafka_bootstrap)}
    checks["views"] = _caught_up(feed)
    app = base_app("govmesh auditor", checks)
    return runtime, app


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.auditor [serve|migrate]`; settings from GOVMESH_* variables."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.auditor")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return  # stateless: nothing to migrate
    settings = AuditorSettings()
    logs.configure(settings.log_level, "auditor")
    runtime, app = build(settings)
    run(runtime.serve(app))

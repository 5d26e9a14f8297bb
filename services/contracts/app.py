"""Composition root of the contract authority (`govmesh.contracts`).

`build(settings, clock=…)` wires, without connecting anything yet:
- the consumer group "contracts" over the topics of `entrypoints.consumers.topic_handlers`
  (`proposals.assessed`, `founder.decisions`), one DB transaction per batch;
- a group-less view of `health.signals` (E-104 at approval) gating readiness and decisions;
- the outbox relay publishing `contracts.lifecycle`, `notifications`, `jobs.requested`,
  `issues.revised`;
- the timer loop (`entrypoints.timer_loop.TimerLoop`), woken after each committed batch;
- the review backlog gauges of SPEC §12 (`entrypoints.backlog.BacklogGauges`);
- the read API.
Migrations are a separate step, `migrate(settings)` (`python -m govmesh.contracts migrate`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from govmesh.contracts.adapters.freeze_view import FreezeView
from govmesh.contracts.adapters.health_view import HealthView
from govmesh.contracts.adapters.messages import PRODUCES, Publisher
from govmesh.contracts.entrypoints.backlog import BacklogGauges
from govmesh.contracts.entrypoints.consumers import CONSUMED, topic_handlers
from govmesh.contracts.entrypoints.http import create_app
from govmesh.contracts.entrypoints.outcome_consumers import changes_state
from govmesh.contracts.entrypoints.timer_loop import TimerLoop
from govmesh.contracts.service_layer.deps import Clock, Deps
from govmesh.contracts.settings import ContractsSettings
from govmesh.mesh import logs
from govmesh.mesh.codec import Delivery
from govmesh.mesh.db import by_topic
from govmesh.mesh.errors import GovmeshError
from govmesh.mesh.http import broker_check, database_check
from govmesh.mesh.migrate import upgrade
from govmesh.mesh.runtime import ServiceRuntime, run

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
HEALTH = "health.signals"
#: Where freezes come from: the registry's frozen flags and founders' FROZEN signals.
FREEZES = ["registry.state", "governance.signals"]
GROUP = "contracts"


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


class ContractsRuntime(ServiceRuntime):
    """The mesh runtime plus the timer loop, started and stopped with it."""

    timers: TimerLoop
    backlog: BacklogGauges
    health: HealthView
    freezes: FreezeView

    async def start(self) -> None:
        await super().start()
        self.timers.start()
        self.backlog.start()

    async def stop(self) -> None:
        await self.backlog.stop()
        await self.timers.stop()
        await super().stop()


def build(
    settings: ContractsSettings, *, clock: Clock = utc_now
) -> tuple[ContractsRuntime, FastAPI]:
    """The runtime and the app of one contracts process, sharing one engine and one clock."""
    health = HealthView()
    freezes = FreezeView()
    runtime = ContractsRuntime(
        settings,
        produces=list(PRODUCES),
        consumes=[*CONSUMED, HEALTH, *FREEZES],
        schema=settings.db_schema,
    )
    runtime.health = health
    runtime.freezes = freezes
    engine = runtime.engine
    assert engine is not None  # a schema was given
    deps = Deps(
        publisher=Publisher(runtime.envelope),
        policy=settings.timer_policy(),
        health=health,
        clock=clock,
        required_approvals=dict(settings.required_approvals),
        founders=settings.founders(),
        default_window=timedelta(hours=settings.activation_window_hours),
        hooks=dict(settings.step_hooks),
        outcome=settings.outcome_policy(),
        freezes=freezes,
    )
    runtime.backlog = BacklogGauges(engine, clock, interval_s=settings.backlog_interval_s)
    runtime.timers = TimerLoop(
        engine,
        deps,
        runtime.relay,
        interval_s=settings.timer_interval_s,
        batch=settings.timer_batch,
    )
    views = runtime.views({HEALTH: health.apply, **dict.fromkeys(FREEZES, freezes.apply)})
    handlers = topic_handlers(deps)
    transactional = runtime.transactional(by_topic(handlers), relevant=changes_state)

    async def handle(batch: list[Delivery]) -> None:
        # Judge decisions against the health and freezes the topics hold, not empty views.
        await views.caught_up.wait()
        await transactional(batch)
        runtime.timers.wake()

    runtime.consumer(list(handlers), GROUP, handle)

    async def views_loaded() -> None:
        if not views.caught_up.is_set():
            raise GovmeshError("the health and freeze views have not caught up yet")

    app = create_app(
        engine,
        checks={
            "database": database_check(engine),
            "kafka": broker_check(settings.kafka_bootstrap),
            "views": views_loaded,
        },
    )
    return runtime, app


def migrate(settings: ContractsSettings) -> None:
    """Bring the contracts schema to its newest revision (runtime tables + contracts tables)."""
    upgrade(
        settings.require_database(),
        settings.db_schema,
        [MIGRATIONS],
        role=settings.database_role(),
    )


async def serve(settings: ContractsSettings) -> None:
    """Run the read API, the consumers, the timer loop and the relay until SIGINT/SIGTERM."""
    runtime, app = build(settings)
    await runtime.serve(app)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.contracts [serve|migrate]` with GOVMESH_* settings."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.contracts")
    parser.add_argument("command", nargs="?", choices=["serve", "migrate"], default="serve")
    args = parser.parse_args(argv)
    settings = ContractsSettings()
    logs.configure(settings.log_level, service="contracts")
    if args.command == "migrate":
        migrate(settings)
    else:
        run(serve(settings))

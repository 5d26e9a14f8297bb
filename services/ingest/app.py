"""Composition root of the ingest service.

`build(settings, clock=…)` wires the runtime (producer of `issues.accepted`, consumer
of `crm.events`, `proposals.validated` and `contracts.lifecycle`, the outbox relay)
and the HTTP app; nothing connects until `runtime.start()` / `runtime.serve(app)`.
Migrations are a separate step, `migrate(settings)` (`python -m govmesh.ingest
migrate`), never run by `serve`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from govmesh.ingest.domain import RateLimiter
from govmesh.ingest.entrypoints.consumers import (
    contract_outcomes,
    crm_events,
    handed_over,
    verdicts,
)
from govmesh.ingest.entrypoints.deps import HttpContext
from govmesh.ingest.entrypoints.http import create_app
from govmesh.ingest.service_layer.group_commit import GroupCommit
from govmesh.ingest.service_layer.intake import ACCEPTED_TOPIC, Clock, Intake
from govmesh.ingest.settings import IngestSettings
from govmesh.mesh import logs
from govmesh.mesh.db import by_topic
from govmesh.mesh.http import broker_check, database_check
from govmesh.mesh.migrate import upgrade
from govmesh.mesh.runtime import ServiceRuntime, run

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
CRM_EVENTS = "crm.events"
CONTRACT_LIFECYCLE = "contracts.lifecycle"
VERDICTS = "proposals.validated"
GROUP = "ingest"


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


def build(settings: IngestSettings, *, clock: Clock = utc_now) -> tuple[ServiceRuntime, FastAPI]:
    """The runtime and the app of one ingest process, sharing one engine and one clock."""
    runtime = ServiceRuntime(
        settings,
        produces=[ACCEPTED_TOPIC],
        consumes=[CRM_EVENTS, VERDICTS, CONTRACT_LIFECYCLE],
        schema=settings.db_schema,
    )
    engine = runtime.engine
    relay = runtime.relay
    # Both exist because a schema was given.
    assert engine is not None
    assert relay is not None
    intake = Intake(settings.policy(), runtime.envelope)
    handlers = {
        CRM_EVENTS: crm_events(intake, clock),
        VERDICTS: verdicts(clock),
        CONTRACT_LIFECYCLE: contract_outcomes(clock),
    }
    runtime.consumer(list(handlers), GROUP, runtime.transactional(by_topic(handlers)))
    relay.after_publish(handed_over(clock))
    context = HttpContext(
        engine=engine,
        intake=intake,
        group_commit=GroupCommit(engine),
        limiter=RateLimiter(settings.rate_limit()),
        api_keys=settings.api_key_bindings(),
        clock=clock,
        on_commit=relay.wake,
    )
    app = create_app(
        context,
        checks={
            "database": database_check(engine),
            "kafka": broker_check(settings.kafka_bootstrap),
        },
    )
    return runtime, app


def migrate(settings: IngestSettings) -> None:
    """Bring the ingest schema to its newest revision (runtime tables + ingest tables)."""
    upgrade(
        settings.require_database(),
        settings.db_schema,
        [MIGRATIONS],
        role=settings.database_role(),
    )


async def serve(settings: IngestSettings) -> None:
    """Run the HTTP API, the consumers and the outbox relay until SIGINT/SIGTERM."""
    runtime, app = build(settings)
    await runtime.serve(app)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.ingest [serve|migrate]` with GOVMESH_* settings."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.ingest")
    parser.add_argument("command", nargs="?", choices=["serve", "migrate"], default="serve")
    args = parser.parse_args(argv)
    settings = IngestSettings()
    logs.configure(settings.log_level, service="ingest")
    if args.command == "migrate":
        migrate(settings)
    else:
        run(serve(settings))

"""Composition root of the executor (the execution authority, SPEC §7 and §11).

`build(settings, clock=…)` wires the runtime: the `jobs.requested` consumer (group
`executor`, one transaction per batch), the group-less `health.signals` view, the outbox
relay (`jobs.events`, `registry.state`, `governance.signals`), the job runner with its
lease sweeper and heartbeat, the step adapters from the `govmesh.step_adapters`
entry points, and the read API. Migrations (`migrate`) and the registry seed
(`registry-import FILE`) are separate commands, never run by `serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from fastapi import FastAPI

from govmesh.executor.adapters.health_view import HealthViewHolder
from govmesh.executor.adapters.registry_store import load_registry, stored_names, write_registry
from govmesh.executor.adapters.steps import AdapterContext, load_adapters
from govmesh.executor.adapters.tables import registry
from govmesh.executor.domain.registry_import import parse_document, plan_import
from govmesh.executor.entrypoints.http import create_app
from govmesh.executor.service_layer.intake import Intake, requests_handler
from govmesh.executor.service_layer.runner import JobRunner
from govmesh.executor.settings import ExecutorSettings
from govmesh.mesh import logs
from govmesh.mesh.db import OutboxWriter, create_engine
from govmesh.mesh.errors import GovmeshError
from govmesh.mesh.http import broker_check, database_check
from govmesh.mesh.migrate import upgrade
from govmesh.mesh.runtime import ServiceRuntime, run
from govmesh.mesh.signing import Signer
from govmesh.schemas import Principal

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations"
REQUESTS = "jobs.requested"
HEALTH = "health.signals"
PRODUCES = ["jobs.events", "registry.state", "governance.signals"]
GROUP = "executor"

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


class ExecutorRuntime(ServiceRuntime):
    """The mesh runtime plus the job runner, started after and stopped before the consumers."""

    runner: JobRunner
    health: HealthViewHolder

    async def start(self) -> None:
        await super().start()
        await self.runner.start()

    async def stop(self) -> None:
        await self.runner.stop()
        await super().stop()


def build(settings: ExecutorSettings, *, clock: Clock = utc_now) -> tuple[ExecutorRuntime, FastAPI]:
    """The runtime and the app of one executor process, sharing one engine and one clock."""
    runtime = ExecutorRuntime(
        settings, produces=PRODUCES, consumes=[REQUESTS, HEALTH], schema=settings.db_schema
    )
    engine, relay = runtime.engine, runtime.relay
    # Both exist because a schema was given.
    assert engine is not None
    assert relay is not None
    health = HealthViewHolder()
    health_consumer = runtime.consumer([HEALTH], None, health.apply)
    health.ready = health_consumer.caught_up
    adapters = load_adapters(AdapterContext(settings, runtime.signer, clock))
    runner = JobRunner(
        engine=engine,
        settings=settings,
        signer=runtime.signer,
        health=health,
        adapters=adapters,
        clock=clock,
        on_commit=relay.wake,
    )
    runtime.runner, runtime.health = runner, health
    intake = Intake(owner=runner.owner, lease=runner.lease, signer=runtime.signer, clock=clock)
    runtime.consumer(
        [REQUESTS], GROUP, requests_handler(intake, runtime.transactional(intake), runner.launch)
    )

    async def health_loaded() -> None:
        if not health.ready.is_set():
            raise GovmeshError("the health view has not caught up yet")

    app = create_app(
        engine,
        checks={
            "database": database_check(engine),
            "kafka": broker_check(settings.kafka_bootstrap),
            "health_view": health_loaded,
        },
    )
    return runtime, app


def migrate(settings: ExecutorSettings) -> None:
    """Bring the executor schema to its newest revision (runtime tables + executor tables)."""
    upgrade(
        settings.require_database(),
        settings.db_schema,
        [MIGRATIONS],
        role=settings.database_role(),
    )


async def import_registry(
    settings: ExecutorSettings, document: Any, *, clock: Clock = utc_now
) -> list[str]:
    """Seed the registry from a loaded document; return the names written (idempotent).

    Each written record is queued on `registry.state` in the same transaction; the
    running executor's outbox relay publishes it.
    """
    wanted = parse_document(document)
    signer = Signer.load(settings.keys_dir, Principal.EXECUTOR)
    engine = create_engine(
        settings.require_database(),
        settings.db_schema,
        pool_size=1,
        role=settings.database_role(),
    )
    try:
        async with engine.begin() as conn:
            # Concurrent imports and steps serialise on the registry table for this write.
            await conn.execute(sa.text(f"LOCK TABLE {registry.name} IN SHARE ROW EXCLUSIVE MODE"))
            current = await load_registry(conn)
            model, names = plan_import(current, await stored_names(conn), wanted)
            outbox = OutboxWriter(conn)
            await write_registry(conn, outbox, model, names, clock(), signer)
            await outbox.flush()
    finally:
        await engine.dispose()
    return names


async def serve(settings: ExecutorSettings) -> None:
    """Run the HTTP API, the consumers, the runner and the outbox relay until SIGINT/SIGTERM."""
    runtime, app = build(settings)
    await runtime.serve(app)


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.executor [serve|migrate|registry-import FILE]` with GOVMESH_* settings."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.executor")
    parser.add_argument(
        "command", nargs="?", choices=["serve", "migrate", "registry-import"], default="serve"
    )
    parser.add_argument("file", nargs="?", type=Path, help="registry YAML (registry-import)")
    args = parser.parse_args(argv)
    settings = ExecutorSettings()
    logs.configure(settings.log_level, service="executor")
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "registry-import":
        if args.file is None:
            parser.error("registry-import needs a FILE")
        document = yaml.safe_load(args.file.read_text())
        names = asyncio.run(import_registry(settings, document))
        print(json.dumps({"written": names}), flush=True)
    else:
        run(serve(settings))

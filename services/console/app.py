"""Composition root of the founders' console (principal `console`, no database).

`build(settings, clock=…)` wires the runtime (producer of `founder.decisions` and
`governance.signals`; one group-less consumer folding `contracts.lifecycle`,
`registry.state`, `health.signals` and `notifications` into in-memory views) and the
HTTP app; nothing connects until `runtime.start()` / `runtime.serve(app)`. /readyz
waits for the views to catch up with the topics' ends seen at start-up.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime

from fastapi import FastAPI

from govmesh.console.adapters.publisher import DECISIONS, SIGNALS, MeshPublisher
from govmesh.console.adapters.views import ConsoleViews
from govmesh.console.domain.ledger import DecisionLedger
from govmesh.console.entrypoints.deps import ConsoleContext
from govmesh.console.entrypoints.http import create_app
from govmesh.console.entrypoints.sessions import SessionCodec
from govmesh.console.service_layer.actions import Clock, Console
from govmesh.console.settings import ConsoleSettings
from govmesh.mesh import logs
from govmesh.mesh.errors import GovmeshError
from govmesh.mesh.http import broker_check
from govmesh.mesh.runtime import ServiceRuntime, run

VIEW_TOPICS = ["contracts.lifecycle", "registry.state", "health.signals", "notifications"]


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


def build(settings: ConsoleSettings, *, clock: Clock = utc_now) -> tuple[ServiceRuntime, FastAPI]:
    """The runtime and the app of one console process, sharing its views and clock."""
    runtime = ServiceRuntime(settings, produces=[DECISIONS, SIGNALS], consumes=VIEW_TOPICS)
    views = ConsoleViews()
    view_consumer = runtime.consumer(VIEW_TOPICS, None, views.apply)
    console = Console(
        views,
        DecisionLedger(),
        MeshPublisher(runtime),
        clock,
        ready=view_consumer.caught_up.is_set,
    )
    context = ConsoleContext(
        console=console,
        founders=dict(settings.founder_tokens),
        sessions=SessionCodec(settings.session_secret(), settings.session_max_age_s),
        contracts_url=settings.contracts_url.rstrip("/") if settings.contracts_url else None,
        secure_cookies=not settings.dev_mode,
    )

    async def views_loaded() -> None:
        if not view_consumer.caught_up.is_set():
            raise GovmeshError("the contract, registry, health and notification views are loading")

    app = create_app(
        context, {"kafka": broker_check(settings.kafka_bootstrap), "views": views_loaded}
    )
    return runtime, app


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.console [serve|migrate]` with GOVMESH_* settings."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.console")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return  # no database: nothing to migrate
    settings = ConsoleSettings()
    logs.configure(settings.log_level, "console")
    runtime, app = build(settings)
    run(runtime.serve(app))

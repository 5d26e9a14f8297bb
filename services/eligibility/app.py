"""Composition root of the eligibility gate: stateless over a materialised context.

`build(settings, clock=…)` wires the runtime (producer of `proposals.assessed`, a group
consumer of `proposals.validated`, and one group-less view consumer per context topic)
and the HTTP app; nothing connects until `runtime.start()` / `runtime.serve(app)`.
/readyz answers 200 only once every view has read its topic up to the end offsets seen
at start-up; the proposal consumer waits for the same events before deciding anything.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI

from govmesh.eligibility.adapters.context_view import ContextView
from govmesh.eligibility.entrypoints.proposals import ASSESSED, Clock, proposal_handler
from govmesh.eligibility.settings import EligibilitySettings
from govmesh.mesh import logs
from govmesh.mesh.codec import Delivery
from govmesh.mesh.errors import GovmeshError
from govmesh.mesh.http import ReadinessCheck, base_app, broker_check
from govmesh.mesh.kafka import MeshConsumer
from govmesh.mesh.runtime import ServiceRuntime, run

PROPOSALS = "proposals.validated"
REGISTRY = "registry.state"
SIGNALS = "governance.signals"
HEALTH = "health.signals"
CONTRACTS = "contracts.lifecycle"
GROUP = "eligibility.proposals"


def utc_now() -> datetime:
    """The production clock; tests pass their own to `build`."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class EligibilityService:
    """One eligibility process: its runtime, HTTP app, context view and view consumers."""

    runtime: ServiceRuntime
    app: FastAPI
    view: ContextView
    views: MeshConsumer

    def caught_up(self) -> bool:
        """True once every context view has read up to its start-up end offsets."""
        return self.views.caught_up.is_set()


def _caught_up_check(consumer: MeshConsumer) -> ReadinessCheck:
    async def check() -> None:
        if not consumer.caught_up.is_set():
            raise GovmeshError(f"the views of {', '.join(consumer.topics)} have not caught up yet")

    return check


def build_service(settings: EligibilitySettings, *, clock: Clock = utc_now) -> EligibilityService:
    """Everything one eligibility process runs, sharing one context view and one clock."""
    config = settings.config()
    runtime = ServiceRuntime(
        settings, produces=[ASSESSED], consumes=[PROPOSALS, REGISTRY, SIGNALS, HEALTH, CONTRACTS]
    )
    view = ContextView(config)
    folds: dict[str, Callable[[list[Delivery]], Awaitable[None]]] = {
        REGISTRY: view.apply_registry,
        SIGNALS: view.apply_signals,
        HEALTH: view.apply_health,
        CONTRACTS: view.apply_contracts,
    }
    views = runtime.views(folds)
    runtime.consumer(
        [PROPOSALS], GROUP, proposal_handler(runtime, view, [views.caught_up], config, clock)
    )
    checks: dict[str, ReadinessCheck] = {
        "kafka": broker_check(settings.kafka_bootstrap),
        "views": _caught_up_check(views),
    }
    app = base_app("govmesh eligibility", checks)
    return EligibilityService(runtime=runtime, app=app, view=view, views=views)


def build(
    settings: EligibilitySettings, *, clock: Clock = utc_now
) -> tuple[ServiceRuntime, FastAPI]:
    """The runtime and the app of one eligibility process (the shape every service has)."""
    service = build_service(settings, clock=clock)
    return service.runtime, service.app


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m govmesh.eligibility [serve|migrate]` with GOVMESH_* settings."""
    parser = argparse.ArgumentParser(prog="python -m govmesh.eligibility")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return  # stateless: nothing to migrate
    settings = EligibilitySettings()
    logs.configure(settings.log_level, "eligibility")
    runtime, app = build(settings)
    run(runtime.serve(app))

"""Composition root of the validator: stateless, advisory, writes only its own topic."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from fastapi import FastAPI

from govmesh.mesh import logs
from govmesh.mesh.errors import GovmeshError
from govmesh.mesh.http import base_app, broker_check
from govmesh.mesh.runtime import ServiceRuntime, run
from govmesh.validator.adapters.registry_view import RegistryView
from govmesh.validator.entrypoints.issues import VERDICTS, issue_handler
from govmesh.validator.settings import ValidatorSettings

ISSUES = ["issues.accepted", "issues.revised"]
REGISTRY = "registry.state"
GROUP = "validator.issues"


def build(settings: ValidatorSettings) -> tuple[ServiceRuntime, FastAPI]:
    runtime = ServiceRuntime(settings, produces=[VERDICTS], consumes=[*ISSUES, REGISTRY])
    view = RegistryView()
    registry_consumer = runtime.consumer([REGISTRY], None, view.apply)
    runtime.consumer(ISSUES, GROUP, issue_handler(runtime, view, registry_consumer.caught_up))

    async def registry_loaded() -> None:
        if not registry_consumer.caught_up.is_set():
            raise GovmeshError("the registry view has not caught up yet")

    app = base_app(
        "govmesh validator",
        {"kafka": broker_check(settings.kafka_bootstrap), "registry": registry_loaded},
    )
    return runtime, app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m govmesh.validator")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    if args.command == "migrate":
        return  # stateless: nothing to migrate
    settings = ValidatorSettings()
    logs.configure(settings.log_level, "validator")
    runtime, app = build(settings)
    run(runtime.serve(app))

"""Fixtures for the Validator's unit tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from govmesh.schemas import ProposedChange, ValidatorVerdict
from govmesh.validator.domain import RegistrySnapshot, validate
from tests.unit.validator.helpers import NOW, build_event, load_demo_registry

Judge = Callable[..., ValidatorVerdict]


@pytest.fixture(scope="session")
def demo_registry() -> RegistrySnapshot:
    return load_demo_registry()


@pytest.fixture
def judge(demo_registry: RegistrySnapshot) -> Judge:
    """Validate a fresh event against the demo registry (or `registry=`) at NOW."""

    def run(
        subject: str,
        body: str | None = None,
        *,
        registry: RegistrySnapshot | None = None,
        override: list[ProposedChange] | None = None,
        **fields: Any,
    ) -> ValidatorVerdict:
        event = build_event(subject, body, **fields)
        return validate(
            event,
            demo_registry if registry is None else registry,
            NOW,
            proposed_override=override,
        )

    return run

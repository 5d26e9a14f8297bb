"""What the use cases need besides the transaction: built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from govmesh.contracts.adapters.freeze_view import FreezeView
from govmesh.contracts.adapters.health_view import HealthView
from govmesh.contracts.adapters.messages import Publisher
from govmesh.contracts.domain import TimerPolicy
from govmesh.contracts.domain.outcome import OutcomePolicy
from govmesh.schemas import Severity

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Deps:
    """Shared, read-only collaborators of the handlers and the timer loop."""

    publisher: Publisher
    policy: TimerPolicy
    health: HealthView
    clock: Clock
    required_approvals: Mapping[Severity, int] = field(default_factory=dict)
    founders: frozenset[str] | None = None
    default_window: timedelta = timedelta(hours=24)
    hooks: Mapping[str, str] = field(default_factory=dict)
    outcome: OutcomePolicy = field(default_factory=OutcomePolicy)
    freezes: FreezeView = field(default_factory=FreezeView)

    @property
    def ttl(self) -> timedelta:
        return self.policy.ttl

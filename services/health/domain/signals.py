"""HealthSignals and their freshness (cross-service agreement on health).

A signal is fresh iff `now <= valid_until`; the service republishes every scope each
heartbeat with `valid_until = observed_at + 3 x heartbeat`, so two missed heartbeats
are tolerated and a dead health service shows as stale, i.e. health unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from govmesh.health.domain.state import Assessment
from govmesh.schemas import HealthSignal

HEARTBEATS_VALID = 3


def validity(heartbeat: timedelta) -> timedelta:
    """How long a signal stays fresh: three heartbeats."""
    return HEARTBEATS_VALID * heartbeat


def signal_for(
    scope: str, assessment: Assessment, observed_at: datetime, heartbeat: timedelta
) -> HealthSignal:
    """The signal for one scope's assessment observed at `observed_at`."""
    return HealthSignal(
        scope=scope,
        status=assessment.status,
        source=assessment.source,
        reason=assessment.reason,
        observed_at=observed_at,
        valid_until=observed_at + validity(heartbeat),
    )


def is_fresh(signal: HealthSignal, now: datetime) -> bool:
    """Whether a consumer may still rely on the signal at `now`."""
    return now <= signal.valid_until


def changed_scopes(
    published: Mapping[str, Assessment], current: Mapping[str, Assessment]
) -> tuple[str, ...]:
    """Scopes whose value, source or reason differs from what was last published."""
    return tuple(scope for scope, value in current.items() if published.get(scope) != value)

"""HealthSignals and their freshness (cross-service agreement on health).

A signal is fresh iff `now <= valid_until`; the service republishes every scope each
heartbeat with `valid_until = observed_at + 3 x heartbeat`, so two missed heartbeats
are tolerated and a dead health service shows as stale, i.e. health unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar

from govmesh.health.domain.state import ActiveAlert, Assessment, Override
from govmesh.schemas import HealthSignal
from govmesh.schemas.health import HealthSignalAlert, HealthSignalOverride

T = TypeVar("T")

HEARTBEATS_VALID = 3


def validity(heartbeat: timedelta) -> timedelta:
    """How long a signal stays fresh: three heartbeats."""
    return HEARTBEATS_VALID * heartbeat


def signal_for(
    scope: str,
    assessment: Assessment,
    observed_at: datetime,
    heartbeat: timedelta,
    *,
    override: Override | None = None,
    alerts: Iterable[ActiveAlert] = (),
) -> HealthSignal:
    """The signal for one scope's assessment observed at `observed_at`, carrying the
    scope's override and firing alerts so a restart can rebuild them (`restore`)."""
    return HealthSignal(
        scope=scope,
        status=assessment.status,
        source=assessment.source,
        reason=assessment.reason,
        observed_at=observed_at,
        valid_until=observed_at + validity(heartbeat),
        override=carried_override(override),
        alerts=carried_alerts(alerts),
    )


def is_fresh(signal: HealthSignal, now: datetime) -> bool:
    """Whether a consumer may still rely on the signal at `now`."""
    return now <= signal.valid_until


def changed_scopes(published: Mapping[str, T], current: Mapping[str, T]) -> tuple[str, ...]:
    """Scopes whose value, source, reason (or carried state) differs from what was last
    published."""
    return tuple(scope for scope, value in current.items() if published.get(scope) != value)


def carried_override(override: Override | None) -> HealthSignalOverride | None:
    """The override as a signal carries it."""
    if override is None:
        return None
    return HealthSignalOverride(
        status=override.status,
        reason=override.reason,
        operator=override.operator,
        set_at=override.set_at,
        expires_at=override.expires_at,
    )


def carried_alerts(alerts: Iterable[ActiveAlert]) -> list[HealthSignalAlert]:
    """The firing alerts as a signal carries them, in the given (worst-first) order."""
    return [
        HealthSignalAlert(
            fingerprint=a.fingerprint,
            alertname=a.alertname,
            status=a.status,
            severity=a.severity,
            summary=a.summary,
            starts_at=a.starts_at,
            received_at=a.received_at,
        )
        for a in alerts
    ]

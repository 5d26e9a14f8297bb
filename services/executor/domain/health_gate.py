"""The executor's read-only view of platform health and the gate before every step (JOB-002).

Health is authority (PART2-005): the executor only folds `HealthSignal`s into a view and
asks it; it never writes health. A value without a signal, or past its `valid_until`, is
unknown — and unknown health blocks a step exactly like UNHEALTHY does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from govmesh.schemas import SYSTEM_SCOPE, HealthSignal, HealthStatus

RULE_HEALTH_GATE = "JOB-002"


@dataclass(frozen=True)
class HealthEntry:
    """The latest signal for one scope; `source` keeps every value traceable (no phantom health)."""

    status: HealthStatus
    valid_until: datetime
    source: str
    observed_at: datetime


HealthView = Mapping[str, HealthEntry]

EMPTY_HEALTH_VIEW: HealthView = MappingProxyType({})


def apply_health(view: HealthView, signal: HealthSignal) -> HealthView:
    """Fold one signal into a new view; an older observation never replaces a newer one."""
    current = view.get(signal.scope)
    if current is not None and current.observed_at > signal.observed_at:
        return view
    entry = HealthEntry(
        status=signal.status,
        valid_until=signal.valid_until,
        source=signal.source,
        observed_at=signal.observed_at,
    )
    return MappingProxyType({**view, signal.scope: entry})


def _blocking_reason(view: HealthView, scope: str, now: datetime) -> str | None:
    entry = view.get(scope)
    if entry is None:
        return f"health of {scope} is unknown (no signal)"
    if entry.valid_until < now:
        return f"health of {scope} is stale (valid until {entry.valid_until.isoformat()})"
    if entry.status is HealthStatus.UNKNOWN:
        return f"health of {scope} is UNKNOWN (source {entry.source})"
    if entry.status is HealthStatus.UNHEALTHY:
        return f"{scope} is UNHEALTHY (source {entry.source})"
    return None


def health_gate(view: HealthView, target: str, now: datetime) -> str | None:
    """JOB-002: the reason a step on `target` is blocked at `now`, or None when it may run.

    Blocked when SYSTEM or the target is UNHEALTHY, or when either has no signal, a stale
    one, or an UNKNOWN status. DEGRADED does not block.
    """
    scopes = [SYSTEM_SCOPE] if target == SYSTEM_SCOPE else [SYSTEM_SCOPE, target]
    for scope in scopes:
        reason = _blocking_reason(view, scope, now)
        if reason is not None:
            return reason
    return None


def health_snapshot(
    view: HealthView, scopes: Iterable[str], now: datetime
) -> dict[str, HealthStatus]:
    """The statuses a job records before and after it runs, for SYSTEM and `scopes`.

    A scope without a signal, or with a stale one, is recorded UNKNOWN so the auditor
    sees that health was unavailable (A-002 INCONCLUSIVE) instead of a guessed value.
    """
    snapshot: dict[str, HealthStatus] = {}
    for scope in sorted({SYSTEM_SCOPE, *scopes}):
        entry = view.get(scope)
        fresh = entry is not None and entry.valid_until >= now
        snapshot[scope] = entry.status if entry is not None and fresh else HealthStatus.UNKNOWN
    return snapshot

"""Health as the console shows it (conventions: fresh iff now <= valid_until)."""

from __future__ import annotations

from datetime import datetime

from govmesh.schemas import HealthSignal, HealthStatus


def effective_health(signal: HealthSignal | None, now: datetime) -> HealthStatus:
    """The signal's status while fresh; no signal or a stale one is UNKNOWN (PART2-005)."""
    if signal is None or now > signal.valid_until:
        return HealthStatus.UNKNOWN
    return signal.status

"""Platform health as the contract authority sees it: folded from `health.signals`.

A signal counts only while fresh (`now <= valid_until`); no signal, a stale one or
UNKNOWN is health unknown (conventions), and an approval needs HEALTHY (E-104).
"""

from __future__ import annotations

from datetime import datetime

from govmesh.mesh.codec import Delivery
from govmesh.schemas import SYSTEM_SCOPE, HealthSignal, HealthStatus


class HealthView:
    """The newest signal per scope (by `observed_at`)."""

    def __init__(self) -> None:
        self._signals: dict[str, HealthSignal] = {}

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            signal = delivery.message
            if isinstance(signal, HealthSignal):
                self.fold(signal)

    def fold(self, signal: HealthSignal) -> None:
        current = self._signals.get(signal.scope)
        if current is None or signal.observed_at >= current.observed_at:
            self._signals[signal.scope] = signal

    def status(self, scope: str, now: datetime) -> HealthStatus:
        """The scope's status at `now`; UNKNOWN without a fresh signal."""
        signal = self._signals.get(scope)
        if signal is None or now > signal.valid_until:
            return HealthStatus.UNKNOWN
        return signal.status

    def system(self, now: datetime) -> HealthStatus:
        return self.status(SYSTEM_SCOPE, now)

"""Which capabilities are frozen, as the contract authority sees it at approval time.

A capability is frozen when its registry record says so (`registry.state`, written by the
executor) or while a FROZEN governance signal for it is active and unexpired
(`governance.signals`, written by founders through the console). Eligibility checked the
same facts when the proposal was assessed; a freeze that came later must still stop an
approval (REVIEW-003: "not frozen", ELIG-005).
"""

from __future__ import annotations

from datetime import datetime

from govmesh.mesh.codec import Delivery
from govmesh.schemas import GovernanceSignal, RegistryState, SignalType


class FreezeView:
    """Frozen flags per capability (upper-cased names) from both sources."""

    def __init__(self) -> None:
        self._registry: dict[str, bool] = {}
        self._signals: dict[str, GovernanceSignal] = {}

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            self.fold(delivery.message)

    def fold(self, message: object) -> None:
        if isinstance(message, RegistryState):
            self._registry[message.name.upper()] = message.frozen
        elif isinstance(message, GovernanceSignal) and message.signal_type is SignalType.FROZEN:
            scope = message.scope.upper()
            current = self._signals.get(scope)
            if current is None or message.issued_at >= current.issued_at:
                self._signals[scope] = message

    def frozen(self, now: datetime) -> frozenset[str]:
        """Capabilities frozen at `now`."""
        by_signal = {
            scope
            for scope, signal in self._signals.items()
            if signal.active and (signal.expires_at is None or now < signal.expires_at)
        }
        by_registry = {name for name, frozen in self._registry.items() if frozen}
        return frozenset(by_signal | by_registry)

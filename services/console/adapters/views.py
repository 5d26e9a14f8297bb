"""In-memory views of what the console reads, folded by one group-less consumer.

`contracts.lifecycle` (newest snapshot per contract, and the transitions seen, by
version), `registry.state` (newest record per capability), `health.signals` (newest
signal per scope) and `notifications` (bounded, de-duplicated by id). The compacted
topics may have dropped old transitions: the history here is what the topic still
holds, the contracts read API has all of it.
"""

from __future__ import annotations

from collections import deque
from uuid import UUID

from govmesh.mesh.codec import Delivery
from govmesh.schemas import (
    ContractLifecycle,
    ContractSnapshot,
    HealthSignal,
    Notification,
    RegistryState,
    Transition,
)

MAX_NOTIFICATIONS = 5000


class ConsoleViews:
    """What the console knows; `apply` is the consumer's batch handler."""

    def __init__(self, max_notifications: int = MAX_NOTIFICATIONS) -> None:
        self.contracts: dict[UUID, ContractSnapshot] = {}
        self._history: dict[UUID, dict[int, Transition]] = {}
        self.registry: dict[str, RegistryState] = {}
        self.health: dict[str, HealthSignal] = {}
        self._notifications: deque[Notification] = deque(maxlen=max_notifications)
        self._seen_notifications: set[UUID] = set()

    async def apply(self, batch: list[Delivery]) -> None:
        """Fold a verified batch (order per key is the topic's order)."""
        for delivery in batch:
            message = delivery.message
            if isinstance(message, ContractLifecycle):
                self._apply_lifecycle(message)
            elif isinstance(message, RegistryState):
                current = self.registry.get(message.name)
                if current is None or message.revision >= current.revision:
                    self.registry[message.name] = message
            elif isinstance(message, HealthSignal):
                current_signal = self.health.get(message.scope)
                if current_signal is None or message.observed_at >= current_signal.observed_at:
                    self.health[message.scope] = message
            elif isinstance(message, Notification):
                self._apply_notification(message)

    def _apply_lifecycle(self, event: ContractLifecycle) -> None:
        contract = event.contract
        self._history.setdefault(contract.contract_id, {})[contract.version] = event.transition
        current = self.contracts.get(contract.contract_id)
        if current is None or contract.version >= current.version:
            self.contracts[contract.contract_id] = contract

    def _apply_notification(self, note: Notification) -> None:
        if note.notification_id in self._seen_notifications:
            return
        if len(self._notifications) == self._notifications.maxlen:
            self._seen_notifications.discard(self._notifications[0].notification_id)
        self._notifications.append(note)
        self._seen_notifications.add(note.notification_id)

    def contract(self, contract_id: UUID) -> ContractSnapshot | None:
        return self.contracts.get(contract_id)

    def history(self, contract_id: UUID) -> list[Transition]:
        """Transitions seen for a contract, oldest first."""
        by_version = self._history.get(contract_id, {})
        return [by_version[v] for v in sorted(by_version)]

    def notifications(self, contract_id: UUID | None = None) -> list[Notification]:
        """Notifications, newest first; only the contract's when one is given."""
        notes = reversed(self._notifications)
        if contract_id is None:
            return list(notes)
        return [n for n in notes if n.contract_id == contract_id]

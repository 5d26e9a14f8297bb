"""In-memory views of compacted topics, each fed by a group-less consumer.

contracts.lifecycle (contract by id), health.signals (newest per scope),
governance.signals (newest per scope + type) and registry.state (highest revision per
name). `put` folds one message (pure, for tests); `apply` is the consumer's batch handler.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from govmesh.mesh.codec import Delivery
from govmesh.schemas import (
    ContractLifecycle,
    ContractSnapshot,
    ContractStatus,
    GovernanceSignal,
    HealthSignal,
    RegistryState,
)

# A contract's job is audited against the contract as activated; a later snapshot of the
# same job (the audit result recorded on it) carries the same changes and window.
_HAS_RUN = frozenset({ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.FAILED})


class ContractView:
    """The newest snapshot of every contract; waiters are woken on each change."""

    def __init__(self) -> None:
        self.contracts: dict[UUID, ContractSnapshot] = {}
        self.folded = 0
        self._changed = asyncio.Event()

    def put(self, message: ContractLifecycle) -> None:
        contract = message.contract
        held = self.contracts.get(contract.contract_id)
        if held is None or contract.version >= held.version:
            self.contracts[contract.contract_id] = contract
        self.folded += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            if isinstance(delivery.message, ContractLifecycle):
                self.put(delivery.message)

    def lookup(self, contract_id: UUID, job_id: UUID) -> ContractSnapshot | None:
        """The contract once it is ACTIVE (or later) with this job, else None."""
        contract = self.contracts.get(contract_id)
        if contract is None or contract.job_id != job_id or contract.status not in _HAS_RUN:
            return None
        return contract

    async def wait_for(self, contract_id: UUID, job_id: UUID) -> ContractSnapshot:
        """Wait until the view holds the contract with this job; the caller bounds the wait."""
        while True:
            changed = self._changed
            contract = self.lookup(contract_id, job_id)
            if contract is not None:
                return contract
            await changed.wait()


class HealthView:
    """The newest health signal per scope (by observation time)."""

    def __init__(self) -> None:
        self.signals: dict[str, HealthSignal] = {}

    def put(self, signal: HealthSignal) -> None:
        held = self.signals.get(signal.scope)
        if held is None or signal.observed_at >= held.observed_at:
            self.signals[signal.scope] = signal

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            if isinstance(delivery.message, HealthSignal):
                self.put(delivery.message)


class SignalView:
    """The newest governance signal per (scope, type), as the compacted topic keeps them."""

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str], GovernanceSignal] = {}

    def put(self, signal: GovernanceSignal) -> None:
        key = (signal.scope, signal.signal_type.value)
        held = self._latest.get(key)
        if held is None or signal.issued_at >= held.issued_at:
            self._latest[key] = signal

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            if isinstance(delivery.message, GovernanceSignal):
                self.put(delivery.message)

    def signals(self) -> list[GovernanceSignal]:
        return [self._latest[key] for key in sorted(self._latest)]


class RegistryView:
    """The newest record (highest revision) of every capability and SYSTEM."""

    def __init__(self) -> None:
        self.records: dict[str, RegistryState] = {}

    def put(self, record: RegistryState) -> None:
        held = self.records.get(record.name)
        if held is None or record.revision >= held.revision:
            self.records[record.name] = record

    async def apply(self, batch: list[Delivery]) -> None:
        for delivery in batch:
            if isinstance(delivery.message, RegistryState):
                self.put(delivery.message)

    def snapshot(self, names: set[str]) -> dict[str, Any]:
        """The named records as JSON (without their write time), for the audit evidence."""
        return {
            name: self.records[name].model_dump(mode="json", exclude={"updated_at"})
            for name in sorted(names)
            if name in self.records
        }

"""The eligibility context as this process sees it: folded from four compacted topics.

One `ContextView` holds the current immutable `EligibilityContext`. Each of the four
group-less view consumers (registry, governance signals, health, contracts) calls its
`apply_*` batch handler, which replaces the context message by message; the proposal
handler reads `context` once per decision, so every verdict is computed over one
consistent snapshot and names its positions (ELIG-001). All of it runs on one event loop
and every replacement is synchronous, so no update is lost between readers and writers.

The pending claims of E-006 live in the context too: `claim` records a MAY verdict's
claims, and folding a `contracts.lifecycle` message settles the claim of the contract it
shows. A contract already seen on `contracts.lifecycle` is never claimed again, so a
proposal redelivered after its contract appeared leaves no claim behind that nothing
would settle.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from govmesh.eligibility.domain import (
    EligibilityConfig,
    EligibilityContext,
    add_claim,
    apply_contract,
    apply_health,
    apply_registry,
    apply_signal,
    expire_claims,
)
from govmesh.mesh.codec import Delivery
from govmesh.schemas import (
    ContractLifecycle,
    EligibilityVerdict,
    GovernanceSignal,
    HealthSignal,
    ProposalValidated,
    RegistryState,
)


class ContextView:
    """The newest context snapshot plus which contracts `contracts.lifecycle` has shown."""

    def __init__(self, config: EligibilityConfig) -> None:
        self.context = EligibilityContext()
        self._config = config
        self._seen_issues: set[UUID] = set()
        self._seen_contracts: set[UUID] = set()

    async def apply_registry(self, batch: list[Delivery]) -> None:
        """Fold `registry.state` (frozen flags for E-102, presence for E-002)."""
        for delivery in batch:
            if isinstance(delivery.message, RegistryState):
                self.context = apply_registry(
                    self.context, delivery.message, delivery.offset, delivery.partition
                )

    async def apply_signals(self, batch: list[Delivery]) -> None:
        """Fold `governance.signals` (FROZEN, BLOCKED, PRE_APPROVAL for E-102/E-003/E-103)."""
        for delivery in batch:
            if isinstance(delivery.message, GovernanceSignal):
                self.context = apply_signal(
                    self.context, delivery.message, delivery.offset, delivery.partition
                )

    async def apply_health(self, batch: list[Delivery]) -> None:
        """Fold `health.signals` (SYSTEM health for E-104)."""
        for delivery in batch:
            if isinstance(delivery.message, HealthSignal):
                self.context = apply_health(
                    self.context, delivery.message, delivery.offset, delivery.partition
                )

    async def apply_contracts(self, batch: list[Delivery]) -> None:
        """Fold `contracts.lifecycle` (open contracts for E-006) and settle pending claims."""
        for delivery in batch:
            message = delivery.message
            if isinstance(message, ContractLifecycle):
                self._seen_issues.add(message.contract.issue_id)
                self._seen_contracts.add(message.contract.contract_id)
                self.context = apply_contract(
                    self.context, message, delivery.offset, delivery.partition
                )

    def claim(
        self, proposal: ProposalValidated, verdict: EligibilityVerdict, assessment_id: UUID
    ) -> None:
        """Record a MAY verdict's claims until its contract shows up (E-006, in order)."""
        if proposal.contract_id is not None:
            known = proposal.contract_id in self._seen_contracts
        else:
            known = proposal.issue_id in self._seen_issues
        if not known:
            self.context = add_claim(self.context, proposal, verdict, assessment_id)

    def expire(self, now: datetime) -> None:
        """Prune claims that have aged out of the E-006 window (their contract never came)."""
        self.context = expire_claims(self.context, now, self._config.duplicate_window)

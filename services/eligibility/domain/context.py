"""The eligibility context: the frozen snapshot every verdict is computed over (ELIG-001).

Four parts, each materialised from a compacted topic and each carrying the Kafka
positions (partition -> last applied offset) it reflects:

- the capability registry (`registry.state`),
- governance signals (`governance.signals`),
- system health (`health.signals`, scope SYSTEM),
- open contracts (`contracts.lifecycle`),

plus the pending claims of this service's own MAY verdicts whose contracts have not yet
appeared on `contracts.lifecycle` (E-006 in order; see `govmesh.eligibility.domain.claims`).

A context is immutable; `govmesh.eligibility.domain.folding` builds a new one per message.
Time-dependent facts (signal expiry, health staleness) are stored as given and judged
against the `now` passed to the query, so one snapshot can be replayed at any instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from uuid import UUID

from govmesh.schemas import ContractStatus, HealthStatus, Lifecycle, SignalType

#: Keys of `context_versions`, named after the topic each part is materialised from.
REGISTRY_TOPIC = "registry.state"
SIGNALS_TOPIC = "governance.signals"
HEALTH_TOPIC = "health.signals"
CONTRACTS_TOPIC = "contracts.lifecycle"
#: Key of `context_versions` naming the pending claims a verdict compared against (E-006).
PENDING_CLAIMS = "pending_claims"

Positions = Mapping[int, int]


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class CapabilityState:
    """One registry entry as far as eligibility cares."""

    name: str
    enabled: bool
    frozen: bool
    lifecycle: Lifecycle | None
    revision: int


@dataclass(frozen=True, slots=True)
class ActiveSignal:
    """A governance signal that was active when published; it may still expire."""

    scope: str
    signal_type: SignalType
    issued_by: str
    reason: str
    issued_at: datetime
    expires_at: datetime | None

    def is_active(self, now: datetime) -> bool:
        """Active until `expires_at` (exclusive); no expiry means until withdrawn."""
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True)
class SystemHealth:
    """The latest health observation for scope SYSTEM."""

    status: HealthStatus
    source: str
    observed_at: datetime
    valid_until: datetime

    def is_healthy(self, now: datetime, max_age: timedelta | None) -> bool:
        """HEALTHY and not stale: `valid_until` not passed and, if set, not older than max_age."""
        if self.status is not HealthStatus.HEALTHY or self.valid_until < now:
            return False
        return max_age is None or now - self.observed_at <= max_age


@dataclass(frozen=True, slots=True)
class OpenContract:
    """A contract that is not terminal, with the capabilities it claims (E-006)."""

    contract_id: UUID
    issue_id: UUID
    status: ContractStatus
    capabilities: frozenset[str]
    created_at: datetime
    version: int


@dataclass(frozen=True, slots=True)
class PendingClaim:
    """E-006: capabilities claimed by an earlier MAY verdict of this service.

    The contract it leads to is not yet visible on `contracts.lifecycle`; until it is (or
    the duplicate window has passed), the claim blocks other proposals on the same
    capabilities exactly like an open contract. `assessment_id` is the event id of the
    `ProposalAssessed` that made the claim, so a redelivered proposal replaces its own claim.
    """

    assessment_id: UUID
    issue_id: UUID
    contract_id: UUID | None
    capabilities: frozenset[str]
    claimed_at: datetime

    def settled_by(self, contract_id: UUID, issue_id: UUID) -> bool:
        """True when this contract is the one the claim was made for.

        A revision names its contract; a first proposal only its issue, whose first
        contract is the only one the contract authority creates from it.
        """
        if self.contract_id is not None:
            return contract_id == self.contract_id
        return issue_id == self.issue_id

    def label(self) -> str:
        """How an E-006 reason names the claim: its contract id when known, else its issue."""
        if self.contract_id is not None:
            return str(self.contract_id)
        return f"issue {self.issue_id} (contract not yet created)"

    def as_version(self) -> dict[str, object]:
        """JSON-ready record of the claim, for a verdict's `context_versions` (ELIG-001)."""
        return {
            "issue_id": str(self.issue_id),
            "contract_id": None if self.contract_id is None else str(self.contract_id),
            "capabilities": sorted(self.capabilities),
            "claimed_at": self.claimed_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class EligibilityContext:
    """An immutable snapshot of everything the rules read besides the proposal.

    `system_health` is None until a SYSTEM health signal has been seen; E-104 then fires,
    because unknown health is not HEALTHY.
    """

    capabilities: Mapping[str, CapabilityState] = field(default_factory=_empty)
    signals: Mapping[tuple[str, SignalType], ActiveSignal] = field(default_factory=_empty)
    system_health: SystemHealth | None = None
    open_contracts: Mapping[UUID, OpenContract] = field(default_factory=_empty)
    pending_claims: Mapping[UUID, PendingClaim] = field(default_factory=_empty)
    registry_positions: Positions = field(default_factory=_empty)
    signal_positions: Positions = field(default_factory=_empty)
    health_positions: Positions = field(default_factory=_empty)
    contract_positions: Positions = field(default_factory=_empty)

    def active_signal(
        self, scope: str, signal_type: SignalType, now: datetime
    ) -> ActiveSignal | None:
        """The signal of this type on this scope if it is active at `now`."""
        signal = self.signals.get((scope, signal_type))
        if signal is None or not signal.is_active(now):
            return None
        return signal

    def is_frozen(self, name: str, now: datetime) -> bool:
        """ELIG-005: frozen by the registry flag or by an active FROZEN signal on the scope."""
        entry = self.capabilities.get(name)
        registry_frozen = entry is not None and entry.frozen
        return registry_frozen or self.active_signal(name, SignalType.FROZEN, now) is not None

    def context_versions(self) -> dict[str, dict[str, int]]:
        """The positions each part reflects, JSON-ready (partition numbers as strings)."""
        parts = {
            REGISTRY_TOPIC: self.registry_positions,
            SIGNALS_TOPIC: self.signal_positions,
            HEALTH_TOPIC: self.health_positions,
            CONTRACTS_TOPIC: self.contract_positions,
        }
        return {
            topic: {str(partition): positions[partition] for partition in sorted(positions)}
            for topic, positions in parts.items()
        }

    def claims_sharing(self, names: frozenset[str] | set[str]) -> dict[str, dict[str, object]]:
        """The pending claims on any of `names`, by assessment id, JSON-ready (ELIG-001).

        Only these can change an E-006 outcome, so they are what a replay needs.
        """
        return {
            str(claim.assessment_id): claim.as_version()
            for claim in sorted(self.pending_claims.values(), key=lambda c: str(c.assessment_id))
            if claim.capabilities & names
        }

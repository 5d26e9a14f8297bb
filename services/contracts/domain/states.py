"""The system contract state machine of SPEC §5 as one explicit table.

The code (`machine.transition`) and the database trigger (`trigger_sql.trigger_sql`)
are both generated from `TRANSITIONS`; nothing else decides which moves exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from govmesh.schemas import ContractStatus

S = ContractStatus


@dataclass(frozen=True)
class TransitionRule:
    """One row of the SPEC §5 table.

    `source` is None for the creation row (— → DRAFT). `during_intake` marks the rows
    the contract authority may take in the transaction that creates the contract,
    before anyone but machines has seen it.
    """

    source: ContractStatus | None
    target: ContractStatus
    trigger: str
    during_intake: bool = False


TRANSITIONS: tuple[TransitionRule, ...] = (
    TransitionRule(None, S.DRAFT, "proposal_received", during_intake=True),
    TransitionRule(S.DRAFT, S.VALIDATED, "validator_verdict_recorded", during_intake=True),
    TransitionRule(S.DRAFT, S.REJECTED, "issue_invalid", during_intake=True),
    TransitionRule(S.VALIDATED, S.ELIGIBLE, "eligibility_may", during_intake=True),
    TransitionRule(S.VALIDATED, S.REJECTED, "eligibility_may_not", during_intake=True),
    TransitionRule(S.ELIGIBLE, S.APPROVED, "founder_approved"),
    TransitionRule(S.ELIGIBLE, S.REJECTED, "founder_rejected"),
    TransitionRule(S.ELIGIBLE, S.SUPERSEDED, "founder_modified_scope"),
    TransitionRule(S.DRAFT, S.EXPIRED, "ttl_passed"),
    TransitionRule(S.VALIDATED, S.EXPIRED, "ttl_passed"),
    TransitionRule(S.ELIGIBLE, S.EXPIRED, "ttl_passed"),
    TransitionRule(S.APPROVED, S.ACTIVE, "activation_window_opened"),
    TransitionRule(S.APPROVED, S.FAILED, "activation_failed"),
    TransitionRule(S.ACTIVE, S.COMPLETED, "audit_passed"),
    TransitionRule(S.ACTIVE, S.FAILED, "execution_failed"),
)

TERMINAL: frozenset[ContractStatus] = frozenset(
    {S.COMPLETED, S.FAILED, S.REJECTED, S.EXPIRED, S.SUPERSEDED}
)

#: "AUDITED" is not a state (SPEC §5): it is the audit verdict recorded on a contract that
#: ended in one of these states. The verdict itself is recorded while the contract is ACTIVE.
AUDIT_STATES: frozenset[ContractStatus] = frozenset({S.COMPLETED, S.FAILED})

#: Not terminal: what E-006 calls an open contract.
OPEN: frozenset[ContractStatus] = frozenset(ContractStatus) - TERMINAL

#: Statuses a freshly created contract may be stored with ("no API creates a contract
#: directly": nothing past founder review can be inserted).
INTAKE_STATES: frozenset[ContractStatus] = frozenset(
    rule.target for rule in TRANSITIONS if rule.during_intake
)

#: Every allowed (from, to) pair between existing contracts.
ALLOWED_PAIRS: frozenset[tuple[ContractStatus, ContractStatus]] = frozenset(
    (rule.source, rule.target) for rule in TRANSITIONS if rule.source is not None
)


def rule_for(source: ContractStatus | None, target: ContractStatus) -> TransitionRule | None:
    """The table row for (source, target), or None when the move does not exist (CONTRACT-001)."""
    for rule in TRANSITIONS:
        if rule.source == source and rule.target == target:
            return rule
    return None


def allowed_targets(source: ContractStatus) -> frozenset[ContractStatus]:
    """Statuses reachable from `source` in one step (empty for terminal statuses)."""
    return frozenset(target for (origin, target) in ALLOWED_PAIRS if origin == source)

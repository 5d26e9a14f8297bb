"""What a proposal (or contract) touches: its scopes and the capability claims it makes.

The scope is the validator's `affected_capabilities` followed by every target of the
`proposed_changes`, de-duplicated, in that order. Both count because the executor may
only touch what the contract names (JOB-001), so a change target the validator did not
list must still pass the frozen, known and blocking checks (E-102, E-002, E-003).

SYSTEM is a scope, not a capability: it is never "unknown" (E-002) and is never claimed
for E-006, so two pre-approved system-wide changes are not treated as duplicates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from govmesh.schemas import SYSTEM_SCOPE, ContractSnapshot, ProposalValidated, ProposedChange
from govmesh.schemas.changes import change_target


def affected_scope(
    affected_capabilities: Iterable[str], proposed_changes: Sequence[ProposedChange] | None
) -> tuple[str, ...]:
    """Every scope named by the verdict or targeted by a change, first occurrence first."""
    targets = [change_target(change) for change in proposed_changes or ()]
    return tuple(dict.fromkeys([*affected_capabilities, *targets]))


def proposal_scope(proposal: ProposalValidated) -> tuple[str, ...]:
    """The scope of a validated proposal (see the module docstring)."""
    verdict = proposal.verdict
    return affected_scope(verdict.affected_capabilities, verdict.proposed_changes)


def claims_for(subject: ProposalValidated | ContractSnapshot) -> tuple[str, ...]:
    """Capability names an open contract for `subject` holds against duplicates (E-006).

    This is the set E-006 compares in order; the contract authority's unique claim per
    capability is the race-free half. Sorted, so claims are always taken in the same order
    and two concurrent claimers cannot deadlock on each other's rows.
    """
    if isinstance(subject, ProposalValidated):
        scope = proposal_scope(subject)
    else:
        scope = affected_scope(subject.affected_capabilities, subject.proposed_changes)
    return tuple(sorted(name for name in set(scope) if name != SYSTEM_SCOPE))

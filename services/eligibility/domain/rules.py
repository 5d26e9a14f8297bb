"""The eligibility rules of SPEC §4, one pure check each, in the order they are evaluated.

`RULES` is the order: the MAY_NOT rules first with E-104 ahead of the rest (ELIG-003,
ELIG-004), then the MAY rules E-001…E-006, then the `proposed_changes` prerequisite.
Failure reasons are the SPEC table's text with its placeholders filled; they reach the
requester and the founder, so they must not drift from the SPEC.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter, ValidationError

from govmesh.eligibility.domain.config import EligibilityConfig
from govmesh.eligibility.domain.context import EligibilityContext
from govmesh.eligibility.domain.scope import claims_for
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ProposalValidated,
    ProposedChanges,
    RecommendedAction,
    Severity,
    SignalType,
)

#: The prerequisite's rule id in `rules_evaluated`, and the name it lists when missing.
PREREQUISITE = "PREREQUISITE"
PROPOSED_CHANGES = "proposed_changes"

# Immutable and stateless: built once because building a TypeAdapter is costly.
_PROPOSED_CHANGES = TypeAdapter(ProposedChanges)


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a rule may read, gathered once per evaluation."""

    proposal: ProposalValidated
    context: EligibilityContext
    config: EligibilityConfig
    now: datetime
    scope: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One rule's result; `blocking_signals` and `missing` feed the verdict's lists."""

    passed: bool
    reason: str
    blocking_signals: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


def _signal_label(signal_type: SignalType, scope: str) -> str:
    return f"{signal_type.value}:{scope}"


def health_degraded(facts: Facts) -> Outcome:
    """E-104 (ELIG-004): unknown, stale or non-HEALTHY system health stops everything."""
    health = facts.context.system_health
    if health is None or not health.is_healthy(facts.now, facts.config.health_max_age):
        return Outcome(False, "System health degraded - no new contracts")
    return Outcome(True, f"System health HEALTHY (source {health.source})")


def below_minimum_confidence(facts: Facts) -> Outcome:
    """E-100: confidence below the hard minimum."""
    confidence = facts.proposal.verdict.confidence_score
    minimum = facts.config.minimum_confidence
    if confidence < minimum:
        return Outcome(False, "Confidence below minimum threshold")
    return Outcome(True, f"Confidence {confidence:.2f} at or above minimum {minimum:.2f}")


def critical_without_escalation(facts: Facts) -> Outcome:
    """E-101: a critical issue must be escalated, never turned into a contract directly."""
    verdict = facts.proposal.verdict
    if verdict.severity is Severity.CRITICAL and (
        verdict.recommended_action is not RecommendedAction.ESCALATE
    ):
        return Outcome(False, "Critical issues must be escalated")
    return Outcome(True, f"Severity {verdict.severity.value} handled as recommended")


def frozen_capability(facts: Facts) -> Outcome:
    """E-102 (ELIG-005): no scope may be frozen, by registry flag or FROZEN signal."""
    frozen = [name for name in facts.scope if facts.context.is_frozen(name, facts.now)]
    if not frozen:
        return Outcome(True, "No affected capability is frozen")
    signals = tuple(
        _signal_label(SignalType.FROZEN, name)
        for name in frozen
        if facts.context.active_signal(name, SignalType.FROZEN, facts.now) is not None
    )
    return Outcome(False, f"Cannot modify frozen capability: {frozen[0]}", signals)


def system_scope(facts: Facts) -> Outcome:
    """E-103: a change in SYSTEM scope needs an active founder PRE_APPROVAL on SYSTEM."""
    if SYSTEM_SCOPE not in facts.scope:
        return Outcome(True, "SYSTEM not in scope")
    approval = facts.context.active_signal(SYSTEM_SCOPE, SignalType.PRE_APPROVAL, facts.now)
    if approval is None:
        return Outcome(False, "System-wide changes require pre-approval")
    return Outcome(True, f"System-wide change pre-approved by {approval.issued_by}")


def confidence_threshold(facts: Facts) -> Outcome:
    """E-001: confidence must reach the threshold."""
    confidence = facts.proposal.verdict.confidence_score
    threshold = facts.config.confidence_threshold
    if confidence >= threshold:
        return Outcome(True, f"Validator confidence {confidence:.2f} meets {threshold:.2f}")
    return Outcome(False, "Validator confidence too low")


def known_capabilities(facts: Facts) -> Outcome:
    """E-002: every affected capability is in the registry (SYSTEM is a scope, not one)."""
    for name in facts.scope:
        if name != SYSTEM_SCOPE and name not in facts.context.capabilities:
            return Outcome(False, f"Unknown capability referenced: {name}")
    return Outcome(True, "All affected capabilities are in the registry")


def no_blocking_signal(facts: Facts) -> Outcome:
    """E-003: no active BLOCKED signal on any affected scope or on SYSTEM."""
    scopes = dict.fromkeys([*facts.scope, SYSTEM_SCOPE])
    blocked = [
        scope
        for scope in scopes
        if facts.context.active_signal(scope, SignalType.BLOCKED, facts.now) is not None
    ]
    if not blocked:
        return Outcome(True, "No active blocking signal")
    labels = tuple(_signal_label(SignalType.BLOCKED, scope) for scope in blocked)
    return Outcome(False, f"Blocked by governance signal: {SignalType.BLOCKED.value}", labels)


def actionable_type(facts: Facts) -> Outcome:
    """E-004: only actionable types not recommended for escalation become contracts."""
    verdict = facts.proposal.verdict
    actionable = verdict.issue_type in facts.config.actionable_types
    if actionable and verdict.recommended_action is not RecommendedAction.ESCALATE:
        return Outcome(True, f"Issue type {verdict.issue_type.value} is actionable")
    return Outcome(False, f"Issue type {verdict.issue_type.value} requires manual handling")


def source_allowlist(facts: Facts) -> Outcome:
    """E-005: the event's envelope source must be allowlisted."""
    source = facts.proposal.event.envelope.source
    if source in facts.config.source_allowlist:
        return Outcome(True, f"Source {source.value} is allowlisted")
    return Outcome(False, f"Source {source.value} not in allowlist")


def not_duplicate(facts: Facts) -> Outcome:
    """E-006 (in-order half): no open contract sharing a capability within the window.

    Open contracts are those on `contracts.lifecycle`, plus the pending claims of earlier
    MAY verdicts of this service whose contracts are not visible there yet.

    The proposal's own contract, its parent and contracts of the same issue are not
    duplicates of it: a founder revision or a re-run after a crash must not block itself.
    The window is inclusive, and a `created_at` ahead of `now` counts as inside it.
    """
    proposal = facts.proposal
    own = {i for i in (proposal.contract_id, proposal.parent_contract_id) if i is not None}
    claims = set(claims_for(proposal))
    since = facts.now - facts.config.duplicate_window
    similar = [
        (contract.created_at, str(contract.contract_id))
        for contract in facts.context.open_contracts.values()
        if contract.contract_id not in own
        and contract.issue_id != proposal.issue_id
        and contract.created_at >= since
        and claims & contract.capabilities
    ]
    # Earlier MAY verdicts whose contracts are not visible yet count the same (claims.py).
    similar += [
        (claim.claimed_at, claim.label())
        for claim in facts.context.pending_claims.values()
        if claim.contract_id not in own
        and claim.issue_id != proposal.issue_id
        and claim.claimed_at >= since
        and claims & claim.capabilities
    ]
    similar.sort()
    if similar:
        return Outcome(False, f"Similar contract already pending: {similar[0][1]}")
    hours = facts.config.duplicate_window_hours
    return Outcome(True, f"No similar open contract in the last {hours:g} h")


def proposed_changes_prerequisite(facts: Facts) -> Outcome:
    """Prerequisite: `proposed_changes` present and schema-valid (CONTRACT-006).

    Re-validated here because the job plan is derived only from these changes; a
    proposal built without validation must not slip through.
    """
    verdict = facts.proposal.verdict
    if verdict.proposed_changes is None:
        why = verdict.proposed_changes_reason or "none proposed"
        reason = f"Missing prerequisite: proposed_changes ({why})"
        return Outcome(False, reason, (), (PROPOSED_CHANGES,))
    dumped = _PROPOSED_CHANGES.dump_python(verdict.proposed_changes, mode="json", warnings=False)
    try:
        _PROPOSED_CHANGES.validate_python(dumped)
    except ValidationError as error:
        count = error.error_count()
        reason = f"Missing prerequisite: proposed_changes not schema-valid ({count} errors)"
        return Outcome(False, reason, (), (PROPOSED_CHANGES,))
    return Outcome(True, "proposed_changes present and schema-valid")


Rule = Callable[[Facts], Outcome]

#: Evaluation order (ELIG-003, ELIG-004); the first failure decides MAY_NOT.
RULES: tuple[tuple[str, Rule], ...] = (
    ("E-104", health_degraded),
    ("E-100", below_minimum_confidence),
    ("E-101", critical_without_escalation),
    ("E-102", frozen_capability),
    ("E-103", system_scope),
    ("E-001", confidence_threshold),
    ("E-002", known_capabilities),
    ("E-003", no_blocking_signal),
    ("E-004", actionable_type),
    ("E-005", source_allowlist),
    ("E-006", not_duplicate),
    (PREREQUISITE, proposed_changes_prerequisite),
)

"""Founder review (SPEC §6, REVIEW-001…006, and our multi-founder extension).

`decide` turns one founder decision into an outcome value. It never raises for a
refused decision: the refusal names the rule and says what to do, and it is recorded
like any other action (REVIEW-004). Decisions are judged at `now`, the contract
authority's time of processing; the founder's `decided_at` is kept in the record.

Choices made where SPEC is silent:
- A decision on an expired contract is refused (REVIEW-EXPIRED) whatever its action:
  the contract is due to become EXPIRED, not to change course.
- APPROVE while a clarification is awaited is refused (REVIEW-CLARIFICATION-PENDING):
  the founder asked for something first. REJECT and MODIFY_SCOPE stay possible, so a
  requester who never answers cannot hold a contract open beyond a founder's patience.
- With N founders required, each approval before the last is recorded without a
  transition; the last one's activation window applies. A founder counts once.
- A freeze on SYSTEM freezes every capability for approval purposes.
- After a clarification arrives, `clarification_request` keeps the last question and
  `clarification_requested_at` is cleared: set means "awaiting an answer".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.ids import revision_contract_id
from govmesh.contracts.domain.machine import MIN_REJECTION_REASON, advance, amend, require_aware
from govmesh.contracts.domain.ttl import contract_expiry, is_expired
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractSnapshot,
    ContractStatus,
    CrmEvent,
    FounderAction,
    FounderDecision,
    HealthStatus,
    IssueRevised,
    Model,
    NotificationKind,
    ProposedChanges,
    Severity,
    Transition,
)
from govmesh.schemas.changes import change_target

S = ContractStatus
A = FounderAction

DEFAULT_WINDOW = timedelta(hours=24)


class ReviewResult(StrEnum):
    APPLIED = "APPLIED"  # the contract changed status
    RECORDED = "RECORDED"  # recorded without a status change (partial approval, clarification)
    REFUSED = "REFUSED"


@dataclass(frozen=True)
class ReviewContext:
    """What the contract authority knows besides the contract when a decision arrives.

    `approvals` are the founders whose approval of this contract is already recorded.
    `required_approvals` maps a risk level to the number of distinct founders needed
    (missing levels need 1). `founders`, when given, is the set of founders with
    authority; None leaves authority to the console's authentication.
    """

    system_health: HealthStatus
    frozen_capabilities: frozenset[str] = frozenset()
    approvals: tuple[str, ...] = ()
    required_approvals: Mapping[Severity, int] = field(default_factory=dict)
    founders: frozenset[str] | None = None
    default_window: timedelta = DEFAULT_WINDOW

    def __post_init__(self) -> None:
        if any(n < 1 for n in self.required_approvals.values()):
            raise ValueError("required_approvals must be at least 1 per risk level")
        if self.default_window <= timedelta(0):
            raise ValueError("default_window must be positive")

    def approvals_required(self, risk: Severity) -> int:
        """Distinct founders needed to approve a contract of this risk level."""
        return self.required_approvals.get(risk, 1)


class ReviewRecord(Model):
    """REVIEW-004: who did what, when, why, with which modifications, in which session."""

    decision_id: UUID
    contract_id: UUID
    action: FounderAction
    actor: str
    session_id: str
    decided_at: AwareDatetime
    recorded_at: AwareDatetime
    result: ReviewResult
    reason: str | None = None
    request: str | None = None
    modifications: ProposedChanges | None = None
    activation_window_start: AwareDatetime | None = None
    activation_window_end: AwareDatetime | None = None
    rule: str | None = None
    message: str


@dataclass(frozen=True)
class Refusal:
    """Why a decision was refused: the rule and what to do about it."""

    rule: str
    message: str


@dataclass(frozen=True)
class Revision:
    """MODIFY_SCOPE: the new contract to create, validated afresh (REVIEW-005).

    Earlier verdicts do not carry over: only the issue, the lineage and the founder's
    proposed changes go back to the Validator.
    """

    contract_id: UUID
    parent_contract_id: UUID
    issue_id: UUID
    proposed_changes: ProposedChanges
    revised_by: str
    revised_at: datetime

    def issue_revised(self, event: CrmEvent) -> IssueRevised:
        """The `issues.revised` message for the Validator, given the original CRM event."""
        return IssueRevised(
            issue_id=self.issue_id,
            contract_id=self.contract_id,
            parent_contract_id=self.parent_contract_id,
            proposed_changes=self.proposed_changes,
            revised_by=self.revised_by,
            revised_at=self.revised_at,
            event=event,
        )


@dataclass(frozen=True)
class ReviewOutcome:
    """The result of one founder decision.

    `contract` is the snapshot to store (the input itself when nothing changed);
    `transition` is set when the status changed; `approvals` lists the founders whose
    approvals now count; `notification` says whom to tell (CLARIFICATION_REQUESTED →
    requester, OUTCOME → requester sees the rejection reason, DECISION_REFUSED → founder).
    """

    result: ReviewResult
    record: ReviewRecord
    contract: ContractSnapshot
    transition: Transition | None = None
    refusal: Refusal | None = None
    approvals: tuple[str, ...] = ()
    approvals_required: int = 1
    revision: Revision | None = None
    notification: NotificationKind | None = None

    @property
    def refused(self) -> bool:
        """True when the decision was refused; `refusal` names the rule."""
        return self.result == ReviewResult.REFUSED


@dataclass(frozen=True)
class _Applied:
    result: ReviewResult
    contract: ContractSnapshot
    message: str
    transition: Transition | None = None
    approvals: tuple[str, ...] = ()
    revision: Revision | None = None
    notification: NotificationKind | None = None
    window: tuple[datetime, datetime] | None = None


_Handler = Callable[[ContractSnapshot, FounderDecision, ReviewContext, datetime], "_Applied"]


def decide(
    contract: ContractSnapshot,
    decision: FounderDecision,
    ctx: ReviewContext,
    now: datetime,
) -> ReviewOutcome:
    """Apply a founder decision to an ELIGIBLE contract (SPEC §6).

    APPROVE (REVIEW-001, -003; refused when expired, health not HEALTHY — E-104, or a
    capability frozen — ELIG-005; N distinct founders per risk level), REJECT (reason
    longer than 10 characters — REVIEW-002), REQUEST_CLARIFICATION (stays ELIGIBLE,
    TTL paused), PROVIDE_CLARIFICATION (TTL resumes, nothing re-validated), MODIFY_SCOPE
    (SUPERSEDED plus the revision to re-validate — REVIEW-005). Never raises for a
    refusal; every outcome carries its REVIEW-004 record.
    """
    require_aware(now)
    required = ctx.approvals_required(contract.risk_level)
    approvals = _distinct(ctx.approvals)
    applied = _apply(contract, decision, ctx, now)
    if isinstance(applied, Refusal):
        return ReviewOutcome(
            result=ReviewResult.REFUSED,
            record=_record(decision, now, ReviewResult.REFUSED, applied.message, applied.rule),
            contract=contract,
            refusal=applied,
            approvals=approvals,
            approvals_required=required,
            notification=NotificationKind.DECISION_REFUSED,
        )
    return ReviewOutcome(
        result=applied.result,
        record=_record(decision, now, applied.result, applied.message, None, applied.window),
        contract=applied.contract,
        transition=applied.transition,
        approvals=applied.approvals or approvals,
        approvals_required=required,
        revision=applied.revision,
        notification=applied.notification,
    )


def _apply(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> _Applied | Refusal:
    refusal = _precondition(contract, decision, ctx, now)
    if refusal is not None:
        return refusal
    try:
        return _HANDLERS[decision.action](contract, decision, ctx, now)
    except _Refused as refused:
        return refused.refusal
    except ContractRuleViolation as violation:
        # A guard of the machine (e.g. CONTRACT-006 on a damaged snapshot) is still a
        # refusal to the founder, not a crash of the consumer.
        return Refusal(violation.rule, violation.message)


class _Refused(Exception):
    """Internal control flow: a handler's refusal, turned into a value by `_apply`."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.refusal = Refusal(rule, message)


def _precondition(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> Refusal | None:
    if decision.contract_id != contract.contract_id:
        return Refusal(
            rules.REVIEW_CONTRACT_MISMATCH,
            f"the decision is for contract {decision.contract_id}, not {contract.contract_id}",
        )
    if decision.action not in _HANDLERS:
        return Refusal(
            rules.REVIEW_UNSUPPORTED_ACTION,
            f"{decision.action.value} is not a review action; use the audit or job endpoint",
        )
    unauthorized = founder_refusal(decision.founder, ctx.founders)
    if unauthorized is not None:
        return unauthorized
    if contract.status != S.ELIGIBLE:
        return Refusal(
            rules.REVIEW_001,
            f"only ELIGIBLE contracts are reviewed; this one is {contract.status.value}",
        )
    if is_expired(contract, now):
        return Refusal(
            rules.REVIEW_EXPIRED,
            f"the review period ended at {contract_expiry(contract, now)}; the contract expires",
        )
    return None


def _approve(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> _Applied:
    if contract.clarification_requested_at is not None:
        raise _Refused(
            rules.REVIEW_CLARIFICATION_PENDING,
            "a clarification is awaited; approve after it has been provided",
        )
    prior = _distinct(ctx.approvals)
    if _key(decision.founder) in {_key(name) for name in prior}:
        raise _Refused(
            rules.REVIEW_DUPLICATE_FOUNDER,
            f"{decision.founder} has already approved this contract; another founder must",
        )
    if ctx.system_health != HealthStatus.HEALTHY:
        raise _Refused(
            rules.E_104,
            f"system health is {ctx.system_health.value}; approvals wait until it is HEALTHY",
        )
    frozen = _first_frozen(contract, ctx.frozen_capabilities)
    if frozen is not None:
        raise _Refused(rules.ELIG_005, f"Cannot modify frozen capability: {frozen}")
    start, end = _window(decision, ctx, now)
    approvals = (*prior, decision.founder)
    required = ctx.approvals_required(contract.risk_level)
    if len(approvals) < required:
        return _Applied(
            result=ReviewResult.RECORDED,
            contract=contract,
            message=f"approval {len(approvals)} of {required} recorded",
            approvals=approvals,
            window=(start, end),
        )
    approved, moved = advance(
        contract,
        S.APPROVED,
        actor=decision.founder,
        reason=f"approved by {', '.join(approvals)}",
        at=now,
        causation_id=decision.decision_id,
        changes={
            "approved_by": list(approvals),
            "approved_at": now,
            "activation_window_start": start,
            "activation_window_end": end,
        },
    )
    return _Applied(
        result=ReviewResult.APPLIED,
        contract=approved,
        transition=moved,
        message=f"approved; activation window {start.isoformat()} .. {end.isoformat()}",
        approvals=approvals,
        window=(start, end),
    )


def _reject(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> _Applied:
    reason = (decision.reason or "").strip()
    if len(reason) < MIN_REJECTION_REASON:
        raise _Refused(
            rules.REVIEW_002,
            "a rejection needs a reason longer than 10 characters; the requester will see it",
        )
    rejected, moved = advance(
        contract,
        S.REJECTED,
        actor=decision.founder,
        reason=reason,
        at=now,
        causation_id=decision.decision_id,
        changes={},
    )
    return _Applied(
        result=ReviewResult.APPLIED,
        contract=rejected,
        transition=moved,
        message="rejected",
        notification=NotificationKind.OUTCOME,
    )


def _request_clarification(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> _Applied:
    if contract.clarification_requested_at is not None:
        raise _Refused(
            rules.REVIEW_CLARIFICATION_PENDING,
            "a clarification is already awaited; wait for it before asking again",
        )
    request = (decision.request or decision.reason or "").strip()
    if not request:
        raise _Refused(rules.REVIEW_004, "a clarification request needs the question to ask")
    paused = amend(
        contract,
        at=now,
        changes={"clarification_request": request, "clarification_requested_at": now},
    )
    return _Applied(
        result=ReviewResult.RECORDED,
        contract=paused,
        message="clarification requested; review TTL paused",
        notification=NotificationKind.CLARIFICATION_REQUESTED,
    )


def _provide_clarification(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> _Applied:
    if contract.clarification_requested_at is None:
        raise _Refused(
            rules.REVIEW_NO_CLARIFICATION_PENDING, "no clarification is awaited on this contract"
        )
    if not (decision.reason or decision.request or "").strip():
        raise _Refused(rules.REVIEW_004, "a clarification needs its text")
    resumed = amend(
        contract,
        at=now,
        changes={
            "expires_at": contract_expiry(contract, now),
            "clarification_requested_at": None,
        },
    )
    return _Applied(
        result=ReviewResult.RECORDED,
        contract=resumed,
        message=f"clarification provided; review TTL resumed, expires {resumed.expires_at}",
    )


def _modify_scope(
    contract: ContractSnapshot, decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> _Applied:
    if decision.proposed_changes is None:
        raise _Refused(rules.REVIEW_005, "modifying the scope needs the new proposed_changes")
    new_id = revision_contract_id(contract.contract_id, decision.decision_id)
    superseded, moved = advance(
        contract,
        S.SUPERSEDED,
        actor=decision.founder,
        reason=f"scope modified by {decision.founder}; superseded by contract {new_id}",
        at=now,
        causation_id=decision.decision_id,
        changes={},
    )
    revision = Revision(
        contract_id=new_id,
        parent_contract_id=contract.contract_id,
        issue_id=contract.issue_id,
        proposed_changes=decision.proposed_changes,
        revised_by=decision.founder,
        revised_at=now,
    )
    return _Applied(
        result=ReviewResult.APPLIED,
        contract=superseded,
        transition=moved,
        message=f"superseded by contract {new_id}, sent for validation",
        revision=revision,
    )


_HANDLERS: dict[FounderAction, _Handler] = {
    A.APPROVE: _approve,
    A.REJECT: _reject,
    A.REQUEST_CLARIFICATION: _request_clarification,
    A.PROVIDE_CLARIFICATION: _provide_clarification,
    A.MODIFY_SCOPE: _modify_scope,
}


def _window(
    decision: FounderDecision, ctx: ReviewContext, now: datetime
) -> tuple[datetime, datetime]:
    """REVIEW-003: default now .. now + 24 h; a given end must follow the start and now."""
    start = decision.activation_window_start or now
    end = decision.activation_window_end or start + ctx.default_window
    if end <= start:
        raise _Refused(rules.REVIEW_003, "the activation window must end after it starts")
    if end <= now:
        raise _Refused(rules.REVIEW_003, "the activation window has already ended")
    return start, end


def _first_frozen(contract: ContractSnapshot, frozen: frozenset[str]) -> str | None:
    frozen_keys = {_key(name) for name in frozen}
    targets = list(contract.affected_capabilities)
    targets += [change_target(change) for change in contract.proposed_changes or []]
    for name in targets:
        if _key(name) in frozen_keys:
            return name
    return SYSTEM_SCOPE if _key(SYSTEM_SCOPE) in frozen_keys else None


def _distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(_key(name), name)
    return tuple(seen.values())


def founder_refusal(founder: str, founders: Iterable[str] | None) -> Refusal | None:
    """REVIEW-AUTHORITY for every founder action: `founder` must be one of `founders`
    (names compare without case or surrounding blanks); None configured means any."""
    if founders is None or _key(founder) in {_key(f) for f in founders}:
        return None
    return Refusal(rules.REVIEW_AUTHORITY, f"{founder} has no founder authority")


def _key(name: str) -> str:
    return name.strip().casefold()


def _record(
    decision: FounderDecision,
    now: datetime,
    result: ReviewResult,
    message: str,
    rule: str | None,
    window: tuple[datetime, datetime] | None = None,
) -> ReviewRecord:
    return ReviewRecord(
        decision_id=decision.decision_id,
        contract_id=decision.contract_id,
        action=decision.action,
        actor=decision.founder,
        session_id=decision.session_id,
        decided_at=decision.decided_at,
        recorded_at=now,
        result=result,
        reason=decision.reason,
        request=decision.request,
        modifications=decision.proposed_changes,
        activation_window_start=window[0] if window else decision.activation_window_start,
        activation_window_end=window[1] if window else decision.activation_window_end,
        rule=rule,
        message=message,
    )

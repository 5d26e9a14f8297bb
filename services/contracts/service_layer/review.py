"""Step 5: founder decisions from `founder.decisions` (SPEC §6, REVIEW-001…006, CANCEL_JOB).

Contracts is the authority: every guard is re-checked here whatever the console checked.
Each decision is recorded (REVIEW-004) — applied, recorded or refused; a refusal leaves
the contract untouched and is answered on `notifications` (DECISION_REFUSED, rule set),
and so is a decision recorded without a status change (DECISION_RECORDED: a partial
approval, an acknowledgement, a cancel request), which no lifecycle event would show.
Both name the decision they answer.

`ACTION_HANDLERS` routes by action; actions without an entry go to the review machine
(`decide`), which refuses the ones it does not know (REVIEW-UNSUPPORTED-ACTION). The
audit actions (RESOLVE_AUDIT, ACKNOWLEDGE_AUDIT) and ACKNOWLEDGE_INCIDENT are added there
by the outcome part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from govmesh.contracts.adapters.messages import FOUNDERS, REQUESTER
from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.domain import (
    Refusal,
    ReviewContext,
    ReviewOutcome,
    ReviewRecord,
    ReviewResult,
    cancel_job,
    decide,
    draft_revision,
)
from govmesh.contracts.domain import rules as R
from govmesh.contracts.service_layer.answers import founder_answer
from govmesh.contracts.service_layer.deps import Deps
from govmesh.contracts.service_layer.outcome import audit_decision, incident_decision
from govmesh.contracts.service_layer.timers import activation_at_approval
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    Envelope,
    FounderAction,
    FounderDecision,
    NotificationKind,
)

DecisionHandler = Callable[
    [ContractRepository, ContractSnapshot, FounderDecision, Deps, Envelope],
    Awaitable[ReviewRecord],
]


async def receive_decision(
    repo: ContractRepository, decision: FounderDecision, deps: Deps, cause: Envelope
) -> ReviewRecord:
    """Apply or refuse one founder decision; always returns (and stores) its record."""
    contract = await repo.load_for_update(decision.contract_id)
    if contract is None:
        record = _refusal_record(
            decision,
            deps,
            Refusal(R.REVIEW_UNKNOWN_CONTRACT, f"there is no contract {decision.contract_id}"),
        )
        await repo.record_review(record)
        repo.send(founder_answer(decision, None, deps, record, cause))
        return record
    handler = ACTION_HANDLERS.get(decision.action, review_decision)
    record = await handler(repo, contract, decision, deps, cause)
    if record.result is ReviewResult.RECORDED:
        repo.send(founder_answer(decision, contract, deps, record, cause))
    return record


async def review_decision(
    repo: ContractRepository,
    contract: ContractSnapshot,
    decision: FounderDecision,
    deps: Deps,
    cause: Envelope,
) -> ReviewRecord:
    """APPROVE, REJECT, REQUEST/PROVIDE_CLARIFICATION, MODIFY_SCOPE through `decide`."""
    now = deps.clock()
    ctx = ReviewContext(
        system_health=deps.health.system(now),
        approvals=await repo.approvals(contract.contract_id),
        required_approvals=dict(deps.required_approvals),
        founders=deps.founders,
        default_window=deps.default_window,
        frozen_capabilities=deps.freezes.frozen(now),
    )
    outcome = decide(contract, decision, ctx, now)
    await repo.record_review(outcome.record)
    if outcome.refusal is not None:
        repo.send(founder_answer(decision, contract, deps, outcome.record, cause))
        return outcome.record
    if outcome.transition is not None:
        approved = outcome.contract
        activation = None
        if approved.status is ContractStatus.APPROVED:
            activation = activation_at_approval(approved, deps, now, cause)
        await repo.apply(
            contract,
            approved,
            [outcome.transition],
            cause=cause,
            plan_timers=activation is None,
        )
        if activation is not None:
            active, activated, job = activation
            await repo.apply(approved, active, [activated], cause=cause)
            repo.send(deps.publisher.job_requested(job, active.issue_id, cause))
    elif outcome.contract.version != contract.version:
        await repo.amend(
            contract,
            outcome.contract,
            actor=decision.founder,
            reason=outcome.record.message,
            cause=cause,
        )
    if outcome.revision is not None:
        await _create_revision(repo, outcome, deps, cause)
    _notify_outcome(repo, outcome, deps, cause)
    return outcome.record


async def cancel_job_decision(
    repo: ContractRepository,
    contract: ContractSnapshot,
    decision: FounderDecision,
    deps: Deps,
    cause: Envelope,
) -> ReviewRecord:
    """CANCEL_JOB: `JobCancelRequested` on jobs.requested, or a refusal naming the rule."""
    now = deps.clock()
    result = cancel_job(contract, decision, now, deps.founders)
    if isinstance(result, Refusal):
        record = _refusal_record(decision, deps, result)
        await repo.record_review(record)
        repo.send(founder_answer(decision, contract, deps, record, cause))
        return record
    record = ReviewRecord(
        decision_id=decision.decision_id,
        contract_id=decision.contract_id,
        action=decision.action,
        actor=decision.founder,
        session_id=decision.session_id,
        decided_at=decision.decided_at,
        recorded_at=now,
        result=ReviewResult.RECORDED,
        reason=result.reason,
        message=f"cancel of job {result.job_id} requested; the executor cancels it if PENDING",
    )
    await repo.record_review(record)
    repo.send(deps.publisher.job_cancel(result, contract.issue_id, decision.decision_id, cause))
    return record


ACTION_HANDLERS: dict[FounderAction, DecisionHandler] = {
    FounderAction.CANCEL_JOB: cancel_job_decision,
    FounderAction.RESOLVE_AUDIT: audit_decision,
    FounderAction.ACKNOWLEDGE_AUDIT: audit_decision,
    FounderAction.ACKNOWLEDGE_INCIDENT: incident_decision,
}


async def _create_revision(
    repo: ContractRepository, outcome: ReviewOutcome, deps: Deps, cause: Envelope
) -> None:
    """REVIEW-005: the new contract at DRAFT and its `IssueRevised` for the Validator."""
    revision = outcome.revision
    assert revision is not None
    parent = outcome.contract
    event = await repo.load_event(parent.contract_id)
    assert event is not None  # the parent row exists: we just superseded it
    draft, created = draft_revision(parent, revision, deps.ttl)
    created = created.model_copy(update={"causation_id": cause.event_id})
    await repo.create(draft, [created], event=event, cause=cause)
    repo.send(deps.publisher.issue_revised(revision.issue_revised(event), cause))


def _notify_outcome(
    repo: ContractRepository, outcome: ReviewOutcome, deps: Deps, cause: Envelope
) -> None:
    kind = outcome.notification
    if kind is None:
        return
    contract = outcome.contract
    if kind == NotificationKind.CLARIFICATION_REQUESTED:
        message = f"Clarification requested: {contract.clarification_request}"
    else:
        message = f"Contract {contract.status.value}: {contract.status_reason}"
    audience = REQUESTER if kind in _TO_REQUESTER else FOUNDERS
    repo.send(
        deps.publisher.notification(
            contract.contract_id,
            contract.issue_id,
            kind,
            audience=audience,
            message=message,
            at=outcome.record.recorded_at,
            dedup=outcome.record.decision_id,
            cause=cause,
        )
    )


_TO_REQUESTER = frozenset({NotificationKind.CLARIFICATION_REQUESTED, NotificationKind.OUTCOME})


def _refusal_record(decision: FounderDecision, deps: Deps, refusal: Refusal) -> ReviewRecord:
    return ReviewRecord(
        decision_id=decision.decision_id,
        contract_id=decision.contract_id,
        action=decision.action,
        actor=decision.founder,
        session_id=decision.session_id,
        decided_at=decision.decided_at,
        recorded_at=deps.clock(),
        result=ReviewResult.REFUSED,
        reason=decision.reason,
        request=decision.request,
        modifications=decision.proposed_changes,
        rule=refusal.rule,
        message=refusal.message,
    )

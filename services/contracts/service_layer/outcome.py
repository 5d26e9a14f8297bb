"""Step 10: the outcome of an ACTIVE contract (SPEC §5 ACTIVE → COMPLETED | FAILED, §8, §9).

Consumed, one transaction per batch with the rest of the contracts group:
- `audits.verdicts` → `receive_verdict`: the verdict is kept (immutable, AUDIT-004) and
  the first verdict of the contract's job decides: PASS → COMPLETED and the rollout
  DEPLOYED (then a bake, `bake_check`); FAIL → FAILED, a rollback job on
  `jobs.requested`, rollout ROLLED_BACK → INCIDENT and an incident; INCONCLUSIVE →
  the contract stays ACTIVE, the rollout ESCALATED and the founders are told.
- `jobs.events` → `receive_job_event`: an execution job FINISHED COMPLETED arms the audit
  timeout; FAILED (or CANCELLED) fails the contract — the executor rolls back itself
  (JOB-003) and its rollback job is tracked; ROLLBACK_FAILED opens an incident and
  escalates.
- `founder.decisions` RESOLVE_AUDIT / ACKNOWLEDGE_AUDIT → `audit_decision`.
Timers (`OUTCOME_TIMER_HANDLERS`): AUDIT_TIMEOUT escalates a missing verdict (never an
approval) and ROLLOUT_BAKE checks the scope's health until VERIFIED or escalated.

Everything sent in response to a consumed message is sealed with that message's
envelope as its cause, so `govmesh verify` can walk the chain (the COMPLETED transition
is caused by the AuditVerdict).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

import structlog

from govmesh.contracts.adapters.messages import FOUNDERS, REQUESTER
from govmesh.contracts.adapters.outcome_store import OutcomeStore
from govmesh.contracts.adapters.repository import CANCELLED, FIRED, ContractRepository, DueTimer
from govmesh.contracts.domain import (
    ContractRuleViolation,
    Refusal,
    ReviewRecord,
    ReviewResult,
    apply_audit_verdict,
    rollback_job_id,
)
from govmesh.contracts.domain import rules as R
from govmesh.contracts.domain.outcome import (
    AUDIT_004,
    AUDIT_INCONCLUSIVE,
    AUDIT_TIMEOUT,
    AUDIT_UNKNOWN,
    INCIDENT_NOTIFICATIONS,
    INCIDENT_RULES,
    IncidentKind,
    bake_scopes,
    check_audit_action,
    check_incident_ack,
    completed_with_rollback,
    fail_on_job,
    next_bake_check,
    resolve_inconclusive,
    rollback_for,
)
from govmesh.contracts.domain.review import founder_refusal
from govmesh.contracts.domain.rollout import (
    RolloutEvent,
    RolloutState,
    bake_event,
    rollout_transition,
    verdict_event,
)
from govmesh.contracts.outcome_metrics import INCIDENTS, ROLLBACKS, ROLLOUTS, VERDICTS
from govmesh.contracts.service_layer.answers import founder_answer
from govmesh.contracts.service_layer.deps import Deps
from govmesh.schemas import (
    AuditVerdict,
    CheckOutcome,
    ContractSnapshot,
    ContractStatus,
    Envelope,
    FounderAction,
    FounderDecision,
    JobEvent,
    JobEventKind,
    JobKind,
    JobStatus,
    NotificationKind,
    Principal,
)

log = structlog.get_logger(__name__)

S = ContractStatus
AUDIT_TIMEOUT_KIND = "AUDIT_TIMEOUT"
BAKE_KIND = "ROLLOUT_BAKE"


# --- audits.verdicts ----------------------------------------------------------------------


async def receive_verdict(
    repo: ContractRepository, verdict: AuditVerdict, deps: Deps, cause: Envelope
) -> None:
    """Keep the verdict; apply the standing one to the contract, its rollout and rollback."""
    now = deps.clock()
    store = OutcomeStore(repo)
    stored = await store.record_verdict(verdict, cause.event_id, now)
    contract = await repo.load_for_update(verdict.contract_id)
    ignored = _why_not_applied(contract, verdict, stored.standing)
    if ignored is not None or contract is None:
        log.warning(
            "contracts.verdict_not_applied",
            audit_id=str(verdict.audit_id),
            contract_id=str(verdict.contract_id),
            why=ignored,
        )
        VERDICTS.labels(verdict.verdict.value, "KEPT").inc()
        return
    await repo.cancel_timers(contract.contract_id, [AUDIT_TIMEOUT_KIND])
    after, moved = apply_audit_verdict(
        contract,
        verdict.verdict,
        verdict.reason,
        now,
        actor=Principal.AUDITOR.value,
        causation_id=cause.event_id,
    )
    await store.start_rollout(contract.contract_id, verdict.job_id, verdict.audit_id, now)
    event = verdict_event(verdict.verdict)
    move = rollout_transition(RolloutState.PENDING, event)
    VERDICTS.labels(verdict.verdict.value, "APPLIED").inc()
    if moved is None:
        # INCONCLUSIVE: still ACTIVE, awaiting a human (SPEC §8); the snapshot shows it.
        await repo.amend(
            contract,
            after,
            actor=Principal.AUDITOR.value,
            reason=f"audit INCONCLUSIVE: {verdict.reason}",
            cause=cause,
        )
        await _move(store, contract.contract_id, RolloutState.PENDING, move.to, event, now, cause)
        _notify(
            repo,
            deps,
            contract,
            NotificationKind.ESCALATION,
            FOUNDERS,
            f"Audit {verdict.audit_id} of '{contract.title}' is INCONCLUSIVE"
            f" ({verdict.reason}); resolve it with the context it needs (RESOLVE_AUDIT)",
            now,
            dedup=cause.event_id,
            rule=AUDIT_INCONCLUSIVE,
            cause=cause,
        )
        return
    await repo.apply(contract, after, [moved], cause=cause)
    _tell_requester(repo, deps, after, now, cause)
    if verdict.verdict == CheckOutcome.PASS:
        baseline = {scope: deps.health.status(scope, now) for scope in bake_scopes(contract)}
        policy = deps.outcome
        await _move(
            store,
            contract.contract_id,
            RolloutState.PENDING,
            move.to,
            event,
            now,
            cause,
            baseline={k: v.value for k, v in baseline.items()},
            deployed_at=now,
            bake_until=now + policy.bake,
        )
        await store.schedule(
            contract.contract_id,
            BAKE_KIND,
            _bake_key(contract.contract_id, 0),
            next_bake_check(now, now, policy.bake, policy.bake_check),
            "ROLLOUT-BAKE",
        )
        return
    # FAIL: roll the completed steps back (SM-004, JOB-006), incident, ROLLED_BACK → INCIDENT.
    await _request_rollback(repo, store, deps, contract, verdict.job_id, now, cause)
    await _move(store, contract.contract_id, RolloutState.PENDING, move.to, event, now, cause)
    await _open_incident(
        repo,
        store,
        deps,
        after,
        IncidentKind.AUDIT_FAIL,
        verdict.audit_id,
        job_id=verdict.job_id,
        audit_id=verdict.audit_id,
        message=f"audit FAIL: {verdict.reason}; rollback requested",
        at=now,
        cause=cause,
    )
    opened = RolloutEvent.INCIDENT_OPENED
    final = rollout_transition(move.to, opened)
    await _move(store, contract.contract_id, move.to, final.to, opened, now, cause)


def _why_not_applied(
    contract: ContractSnapshot | None, verdict: AuditVerdict, standing: bool
) -> str | None:
    if contract is None:
        return f"{R.SM_002}: there is no contract {verdict.contract_id}"
    if contract.job_id != verdict.job_id:
        return f"{R.SM_002}: job {verdict.job_id} is not the contract's job ({contract.job_id})"
    if not standing:
        return f"{AUDIT_004}: the job already has a standing verdict; kept as evidence only"
    if contract.status != S.ACTIVE:
        return f"{R.CONTRACT_005}: the contract is {contract.status.value}, not ACTIVE"
    return None


# --- jobs.events --------------------------------------------------------------------------


async def receive_job_event(
    repo: ContractRepository, event: JobEvent, deps: Deps, cause: Envelope
) -> None:
    """Track job results; a failed or cancelled execution job fails the contract."""
    if event.event not in (JobEventKind.FINISHED, JobEventKind.CANCELLED):
        return
    now = deps.clock()
    store = OutcomeStore(repo)
    await store.track_job(
        event.job_id,
        event.contract_id,
        event.kind.value,
        event.status.value,
        now,
        rolls_back_job_id=event.rolls_back_job_id,
        finished_at=event.finished_at or event.at,
        error=event.error,
        steps=[s.model_dump(mode="json") for s in event.steps],
    )
    contract = await repo.load_for_update(event.contract_id)
    if contract is None:
        log.warning("contracts.job_event_unknown_contract", job_id=str(event.job_id))
        return
    if event.kind == JobKind.ROLLBACK:
        await _rollback_finished(repo, store, deps, contract, event, now, cause)
        return
    if contract.job_id != event.job_id:
        log.warning(
            "contracts.job_event_not_the_contracts_job",
            job_id=str(event.job_id),
            contract_id=str(contract.contract_id),
        )
        return
    if event.status == JobStatus.COMPLETED:
        # JOB-005: the audit follows; no verdict in time escalates (SPEC §8), never approves.
        if await store.standing_audit(event.job_id) is None and contract.status == S.ACTIVE:
            finished = event.finished_at or event.at
            await store.schedule(
                contract.contract_id,
                AUDIT_TIMEOUT_KIND,
                f"{contract.contract_id}:{AUDIT_TIMEOUT_KIND}:{event.job_id}",
                finished + deps.outcome.audit_timeout,
                AUDIT_TIMEOUT,
                {"job_id": str(event.job_id)},
            )
        return
    if event.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        return
    if contract.status != S.ACTIVE:
        log.info("contracts.job_failure_after_outcome", contract_id=str(contract.contract_id))
        return
    cancelled = event.status == JobStatus.CANCELLED
    why = "was cancelled before it ran" if cancelled else f"failed: {event.error or 'no error'}"
    failed, moved = fail_on_job(contract, event.job_id, why, now, causation_id=cause.event_id)
    await repo.apply(contract, failed, [moved], cause=cause)
    _tell_requester(repo, deps, failed, now, cause)
    if cancelled:
        return  # nothing ran, nothing to roll back
    if completed_with_rollback(event.steps):
        # JOB-003: the executor starts this rollback itself, with the shared id.
        await store.track_job(
            rollback_job_id(event.job_id),
            contract.contract_id,
            JobKind.ROLLBACK.value,
            JobStatus.PENDING.value,
            now,
            rolls_back_job_id=event.job_id,
            requested_by=Principal.EXECUTOR.value,
        )
    await _open_incident(
        repo,
        store,
        deps,
        failed,
        IncidentKind.JOB_FAILED,
        event.job_id,
        job_id=event.job_id,
        audit_id=None,
        message=f"job {event.job_id} failed: {event.error or 'no error'}",
        at=now,
        cause=cause,
    )


async def _rollback_finished(
    repo: ContractRepository,
    store: OutcomeStore,
    deps: Deps,
    contract: ContractSnapshot,
    event: JobEvent,
    now: datetime,
    cause: Envelope,
) -> None:
    """ROLLED_BACK is recorded; ROLLBACK_FAILED opens an incident and escalates (JOB-006)."""
    ROLLBACKS.labels(event.status.value).inc()
    if event.status != JobStatus.ROLLBACK_FAILED:
        return
    await _open_incident(
        repo,
        store,
        deps,
        contract,
        IncidentKind.ROLLBACK_FAILED,
        event.job_id,
        job_id=event.rolls_back_job_id or event.job_id,
        audit_id=None,
        message=(
            f"rollback job {event.job_id} of job {event.rolls_back_job_id} failed:"
            f" {event.error or 'no error'}; the change may be partly in place"
        ),
        at=now,
        cause=cause,
    )


# --- founder.decisions: RESOLVE_AUDIT, ACKNOWLEDGE_AUDIT ----------------------------------


async def audit_decision(
    repo: ContractRepository,
    contract: ContractSnapshot,
    decision: FounderDecision,
    deps: Deps,
    cause: Envelope,
) -> ReviewRecord:
    """RESOLVE_AUDIT closes an escalated INCONCLUSIVE audit; ACKNOWLEDGE_AUDIT a FAIL.

    Neither changes a verdict (AUDIT-004). A resolution ends the contract FAILED and
    rolls the unverified change back (see `domain.outcome`); an acknowledgement marks
    the audit's incidents acknowledged. Refusals are recorded and answered.
    """
    now = deps.clock()
    store = OutcomeStore(repo)
    refusal = await _check_audit_decision(store, contract, decision, deps)
    if refusal is not None:
        return await _refuse(repo, contract, decision, deps, refusal, cause)
    audit_id = decision.audit_id
    assert audit_id is not None
    context = (decision.reason or "").strip() or None
    if decision.action == FounderAction.RESOLVE_AUDIT:
        assert contract.job_id is not None
        assert context is not None
        failed, moved = resolve_inconclusive(
            contract, audit_id, decision.founder, context, now, causation_id=cause.event_id
        )
        await repo.apply(contract, failed, [moved], cause=cause)
        await _request_rollback(repo, store, deps, contract, contract.job_id, now, cause)
        await _open_incident(
            repo,
            store,
            deps,
            failed,
            IncidentKind.AUDIT_UNRESOLVED,
            audit_id,
            job_id=contract.job_id,
            audit_id=audit_id,
            message=f"INCONCLUSIVE audit resolved by {decision.founder}: {context}",
            at=now,
            cause=cause,
        )
        _tell_requester(repo, deps, failed, now, cause)
        result, message = ReviewResult.APPLIED, f"audit {audit_id} resolved; contract FAILED"
    else:
        result, message = ReviewResult.RECORDED, f"audit {audit_id} FAIL acknowledged"
    await store.record_audit_review(
        audit_id=audit_id,
        decision_id=decision.decision_id,
        contract_id=contract.contract_id,
        action=decision.action,
        actor=decision.founder,
        session_id=decision.session_id,
        context=context,
        decided_at=decision.decided_at,
        at=now,
    )
    # The human who resolved or acknowledged has seen the audit's incidents.
    await store.acknowledge_incidents(
        audit_id=audit_id, actor=decision.founder, reason=context, at=now
    )
    record = _record(decision, now, result, message)
    await repo.record_review(record)
    return record


async def incident_decision(
    repo: ContractRepository,
    contract: ContractSnapshot,
    decision: FounderDecision,
    deps: Deps,
    cause: Envelope,
) -> ReviewRecord:
    """ACKNOWLEDGE_INCIDENT: a founder saw one of the contract's incidents (any kind).

    Audit incidents are also acknowledged with their audit (ACKNOWLEDGE_AUDIT); this one
    is for every incident, a failed job's or rollback's, a degraded bake, a late audit.
    It changes nothing but the acknowledgement; refusals are recorded and answered.
    """
    now = deps.clock()
    store = OutcomeStore(repo)
    refusal = founder_refusal(decision.founder, deps.founders)
    if refusal is None:
        held = None
        if decision.incident_id is not None:
            held = await store.incident_holder(decision.incident_id)
        refusal = check_incident_ack(
            decision.incident_id,
            contract.contract_id,
            held[0] if held else None,
            held[1] if held else None,
        )
    if refusal is not None:
        return await _refuse(repo, contract, decision, deps, refusal, cause)
    assert decision.incident_id is not None
    reason = (decision.reason or "").strip() or None
    await store.acknowledge_incident(
        decision.incident_id, actor=decision.founder, reason=reason, at=now
    )
    record = _record(
        decision, now, ReviewResult.RECORDED, f"incident {decision.incident_id} acknowledged"
    )
    await repo.record_review(record)
    return record


async def _check_audit_decision(
    store: OutcomeStore, contract: ContractSnapshot, decision: FounderDecision, deps: Deps
) -> Refusal | None:
    unauthorized = founder_refusal(decision.founder, deps.founders)
    if unauthorized is not None:
        return unauthorized
    stored = None if decision.audit_id is None else await store.audit(decision.audit_id)
    if stored is None or stored.contract_id != contract.contract_id:
        return Refusal(
            AUDIT_UNKNOWN, f"no audit {decision.audit_id} of contract {contract.contract_id}"
        )
    if not stored.standing:
        return Refusal(AUDIT_004, "a later attempt's verdict is evidence only; review the first")
    refusal = check_audit_action(
        decision.action,
        stored.verdict,
        already_reviewed=await store.reviewed(stored.audit_id),
        context=decision.reason,
    )
    if refusal is not None:
        return refusal
    if decision.action == FounderAction.RESOLVE_AUDIT and contract.status != S.ACTIVE:
        return Refusal(R.CONTRACT_005, f"the contract is {contract.status.value} (terminal)")
    return None


async def _refuse(
    repo: ContractRepository,
    contract: ContractSnapshot,
    decision: FounderDecision,
    deps: Deps,
    refusal: Refusal,
    cause: Envelope,
) -> ReviewRecord:
    now = deps.clock()
    record = _record(decision, now, ReviewResult.REFUSED, refusal.message, rule=refusal.rule)
    await repo.record_review(record)
    repo.send(founder_answer(decision, contract, deps, record, cause))
    return record


def _record(
    decision: FounderDecision,
    now: datetime,
    result: ReviewResult,
    message: str,
    *,
    rule: str | None = None,
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
        rule=rule,
        message=message,
    )


# --- timers -------------------------------------------------------------------------------


async def audit_timeout(repo: ContractRepository, timer: DueTimer, deps: Deps) -> str:
    """No verdict in time after the job completed: escalate with an incident, change nothing.

    Never a timeout-based approval (SPEC §8): the contract stays ACTIVE; a verdict that
    arrives later is applied as usual.
    """
    store = OutcomeStore(repo)
    job_id = UUID(str(timer.payload["job_id"]))
    contract = timer.contract
    if contract.status != S.ACTIVE or contract.job_id != job_id:
        return CANCELLED
    if await store.standing_audit(job_id) is not None:
        return CANCELLED
    now = deps.clock()
    await _open_incident(
        repo,
        store,
        deps,
        contract,
        IncidentKind.AUDIT_TIMEOUT,
        job_id,
        job_id=job_id,
        audit_id=None,
        message=(
            f"no audit verdict for job {job_id} within"
            f" {deps.outcome.audit_timeout.total_seconds():g} s of its completion;"
            " the contract stays ACTIVE until a verdict arrives (never a timeout approval)"
        ),
        at=now,
        cause=None,
    )
    return FIRED


async def bake_check(repo: ContractRepository, timer: DueTimer, deps: Deps) -> str:
    """One look at the scope's health during the bake (SPEC §9).

    Worse than at deployment (or unknown) → ESCALATED with an incident; stable until the
    bake's end → VERIFIED; otherwise the next check is scheduled.
    """
    store = OutcomeStore(repo)
    contract_id = timer.contract.contract_id
    rollout = await store.rollout(contract_id, lock=True)
    if rollout is None or rollout.state != RolloutState.DEPLOYED or rollout.deployed_at is None:
        return CANCELLED
    now = deps.clock()
    policy = deps.outcome
    current = {scope: deps.health.status(scope, now) for scope in rollout.baseline}
    event = bake_event(rollout.baseline, current, rollout.deployed_at, now, policy.bake)
    checks = await store.count_bake_check(contract_id)
    if event is None:
        await store.schedule(
            contract_id,
            BAKE_KIND,
            _bake_key(contract_id, checks),
            next_bake_check(rollout.deployed_at, now, policy.bake, policy.bake_check),
            "ROLLOUT-BAKE",
        )
        return FIRED
    move = rollout_transition(RolloutState.DEPLOYED, event)
    worse = [
        f"{scope} {before.value} -> {current[scope].value}"
        for scope, before in sorted(rollout.baseline.items())
        if current[scope] != before
    ]
    reason = (
        f"health stable for {policy.bake.total_seconds():g} s"
        if event == RolloutEvent.BAKE_STABLE
        else f"health degraded during the bake: {', '.join(worse)}"
    )
    await store.move_rollout(
        contract_id, RolloutState.DEPLOYED, move.to, event, reason, now, causation_id=None
    )
    ROLLOUTS.labels(move.to.value).inc()
    if move.incident:
        await _open_incident(
            repo,
            store,
            deps,
            timer.contract,
            IncidentKind.BAKE_DEGRADED,
            rollout.job_id,
            job_id=rollout.job_id,
            audit_id=rollout.audit_id,
            message=reason,
            at=now,
            cause=None,
        )
    return FIRED


TimerHandler = Callable[[ContractRepository, DueTimer, Deps], Awaitable[str]]

#: Timer kinds of the outcome, merged into `service_layer.timers.TIMER_HANDLERS`.
OUTCOME_TIMER_HANDLERS: dict[str, TimerHandler] = {
    AUDIT_TIMEOUT_KIND: audit_timeout,
    BAKE_KIND: bake_check,
}


# --- shared steps -------------------------------------------------------------------------


def _bake_key(contract_id: UUID, check: int) -> str:
    return f"{contract_id}:{BAKE_KIND}:{check}"


async def _move(
    store: OutcomeStore,
    contract_id: UUID,
    source: RolloutState,
    target: RolloutState,
    event: RolloutEvent,
    at: datetime,
    cause: Envelope | None,
    **values: object,
) -> None:
    await store.move_rollout(
        contract_id,
        source,
        target,
        event,
        f"{event.value}",
        at,
        causation_id=cause.event_id if cause else None,
        **values,
    )
    ROLLOUTS.labels(target.value).inc()


async def _request_rollback(
    repo: ContractRepository,
    store: OutcomeStore,
    deps: Deps,
    contract: ContractSnapshot,
    job_id: UUID,
    now: datetime,
    cause: Envelope,
) -> None:
    """`JobRequested` kind=rollback for the job's completed steps (SM-004, JOB-006)."""
    rollback_id = rollback_job_id(job_id)
    try:
        rollback = rollback_for(contract, job_id, rollback_id, None, now, hooks=deps.hooks)
    except ContractRuleViolation as refused:
        # The plan was accepted at activation, so this is a bug; keep it visible.
        log.error("contracts.rollback_unplannable", job_id=str(job_id), error=str(refused))
        return
    if rollback is None:
        log.info("contracts.nothing_to_roll_back", job_id=str(job_id))
        return
    repo.send(deps.publisher.job_requested(rollback, contract.issue_id, cause))
    await store.track_job(
        rollback.job_id,
        contract.contract_id,
        JobKind.ROLLBACK.value,
        JobStatus.PENDING.value,
        now,
        rolls_back_job_id=job_id,
        requested_by=Principal.CONTRACTS.value,
    )
    ROLLBACKS.labels("REQUESTED").inc()


async def _open_incident(
    repo: ContractRepository,
    store: OutcomeStore,
    deps: Deps,
    contract: ContractSnapshot,
    kind: IncidentKind,
    subject: UUID,
    *,
    job_id: UUID | None,
    audit_id: UUID | None,
    message: str,
    at: datetime,
    cause: Envelope | None,
) -> None:
    """Open the incident (once) and tell the founders: INCIDENT, or ESCALATION when urgent."""
    opened = await store.open_incident(
        kind,
        subject,
        contract_id=contract.contract_id,
        job_id=job_id,
        audit_id=audit_id,
        message=message,
        at=at,
        causation_id=cause.event_id if cause else None,
    )
    if opened is None:
        return
    INCIDENTS.labels(kind.value).inc()
    _notify(
        repo,
        deps,
        contract,
        INCIDENT_NOTIFICATIONS[kind],
        FOUNDERS,
        f"Incident {kind.value} on '{contract.title}' (incident {opened}): {message}",
        at,
        dedup=opened,
        rule=INCIDENT_RULES[kind],
        cause=cause,
    )


def _tell_requester(
    repo: ContractRepository,
    deps: Deps,
    contract: ContractSnapshot,
    at: datetime,
    cause: Envelope,
) -> None:
    """GATE-8: the requester learns the outcome only, never the internals."""
    if contract.status == S.COMPLETED:
        message = f"Your request '{contract.title}' is completed: the change is in place."
    else:
        message = f"Your request '{contract.title}' could not be completed; no change was kept."
    _notify(
        repo,
        deps,
        contract,
        NotificationKind.OUTCOME,
        REQUESTER,
        message,
        at,
        dedup=cause.event_id,
        rule=None,
        cause=cause,
    )


def _notify(
    repo: ContractRepository,
    deps: Deps,
    contract: ContractSnapshot,
    kind: NotificationKind,
    audience: str,
    message: str,
    at: datetime,
    *,
    dedup: object,
    rule: str | None,
    cause: Envelope | None,
) -> None:
    repo.send(
        deps.publisher.notification(
            contract.contract_id,
            contract.issue_id,
            kind,
            audience=audience,
            message=message,
            at=at,
            dedup=dedup,
            rule=rule,
            cause=cause,
        )
    )

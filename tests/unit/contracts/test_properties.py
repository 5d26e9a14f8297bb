"""Property tests: no sequence of events leaves the table (CONTRACT-001), reaches COMPLETED
without an audit PASS (SM-003) or changes a terminal contract (CONTRACT-005)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from govmesh.contracts.domain import (
    ALLOWED_PAIRS,
    TERMINAL,
    ContractRuleViolation,
    ReviewContext,
    ReviewResult,
    TimerKind,
    activate,
    apply_audit_verdict,
    check_status_guards,
    close_window,
    create_from_assessment,
    decide,
    due_timers,
    execution_job_id,
    expire,
    transition,
)
from govmesh.schemas import (
    CheckOutcome,
    ContractSnapshot,
    ContractStatus,
    EligibilityDecision,
    FounderAction,
    HealthStatus,
    Severity,
    Transition,
)
from govmesh.schemas.contracts import AuditState

from .factories import (
    CAPABILITY,
    T0,
    approved_fields,
    assessed,
    config_update,
    decision,
    eligibility_verdict,
    snapshot,
    validator_verdict,
)

pytestmark = pytest.mark.unit

S = ContractStatus
A = FounderAction

FOUNDERS = ("alice", "bob", "carol")
REASONS = ("", "too short", "Not something we offer on this plan.")
# Weighted towards approval so that random walks get past review often enough.
REVIEW_ACTIONS = (
    A.APPROVE,
    A.APPROVE,
    A.APPROVE,
    A.APPROVE,
    A.REJECT,
    A.REQUEST_CLARIFICATION,
    A.PROVIDE_CLARIFICATION,
    A.MODIFY_SCOPE,
)


class ContractLifecycleMachine(RuleBasedStateMachine):
    """Random interleavings of every event the contract authority handles."""

    def __init__(self) -> None:
        super().__init__()
        self.now: datetime = T0
        self.contract: ContractSnapshot = snapshot()
        self.terminal_snapshot: ContractSnapshot | None = None
        self.approvals: tuple[str, ...] = ()

    @initialize(
        may=st.sampled_from([True, True, True, False]),
        risk=st.sampled_from(list(Severity)),
        with_changes=st.sampled_from([True, True, True, False]),
    )
    def create(self, may: bool, risk: Severity, with_changes: bool) -> None:
        proposal = assessed(
            verdict=validator_verdict(
                severity=risk, proposed_changes=[config_update()] if with_changes else None
            ),
            eligibility=eligibility_verdict(
                EligibilityDecision.MAY if may else EligibilityDecision.MAY_NOT,
                first_failing_rule=None if may else "E-001",
            ),
        )
        contract, history = create_from_assessment(proposal, uuid4(), self.now)
        for step in history[1:]:
            assert (step.from_status, step.to_status) in ALLOWED_PAIRS
        self.contract = contract

    def _store(self, new: ContractSnapshot, record: Transition | None, *, by_founder: bool) -> None:
        old = self.contract
        if new == old:
            return
        assert old.status not in TERMINAL, "CONTRACT-005: a terminal contract changed"
        assert new.version == old.version + 1
        if new.status != old.status:
            assert (old.status, new.status) in ALLOWED_PAIRS, "CONTRACT-001"
            assert record is not None
            assert (record.from_status, record.to_status) == (old.status, new.status)
            if new.status == S.APPROVED:
                assert by_founder, "PART2-002: only a founder approves"
            event(f"reached {new.status.value}")
        else:
            assert record is None
        self.contract = new

    @rule(hours=st.sampled_from([0, 1, 6, 23, 30, 60, 170]))
    def tick(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(to=st.sampled_from(list(ContractStatus)), reason=st.sampled_from(REASONS))
    def raw_transition(self, to: ContractStatus, reason: str) -> None:
        try:
            new, record = transition(self.contract, to, actor="fuzz", reason=reason, at=self.now)
        except ContractRuleViolation:
            return
        self._store(new, record, by_founder=False)

    @rule(
        action=st.sampled_from(REVIEW_ACTIONS),
        founder=st.sampled_from(FOUNDERS),
        reason=st.sampled_from(REASONS),
        health=st.sampled_from([HealthStatus.HEALTHY, HealthStatus.HEALTHY, HealthStatus.DEGRADED]),
        frozen=st.sampled_from([False, False, False, True]),
        window_hours=st.one_of(st.none(), st.integers(min_value=-30, max_value=30)),
    )
    def founder_decides(
        self,
        action: FounderAction,
        founder: str,
        reason: str,
        health: HealthStatus,
        frozen: bool,
        window_hours: int | None,
    ) -> None:
        start = None if window_hours is None else self.now + timedelta(hours=window_hours)
        ask = decision(
            self.contract,
            action,
            founder=founder,
            reason=reason or None,
            request=reason or None,
            proposed_changes=[config_update(new=300)] if action == A.MODIFY_SCOPE else None,
            activation_window_start=start,
        )
        ctx = ReviewContext(
            system_health=health,
            frozen_capabilities=frozenset({CAPABILITY}) if frozen else frozenset(),
            approvals=self.approvals,
            required_approvals={Severity.HIGH: 2, Severity.CRITICAL: 3},
        )
        outcome = decide(self.contract, ask, ctx, self.now)  # never raises
        if outcome.refused:
            assert outcome.contract is self.contract
            assert outcome.record.rule is not None
            return
        if action == A.APPROVE and outcome.result == ReviewResult.RECORDED:
            assert outcome.contract is self.contract
            self.approvals = outcome.approvals
        self._store(outcome.contract, outcome.transition, by_founder=True)

    @rule(verdict=st.sampled_from(list(CheckOutcome)))
    def audit(self, verdict: CheckOutcome) -> None:
        try:
            new, record = apply_audit_verdict(self.contract, verdict, "audited", self.now)
        except ContractRuleViolation:
            return
        self._store(new, record, by_founder=False)

    @rule(verdict=st.sampled_from(list(AuditState)))
    def direct_audit_column_write(self, verdict: AuditState) -> None:
        """A write of the audit column the database trigger lets through."""
        old = self.contract
        recorded = old.audit_verdict in (AuditState.PASS, AuditState.FAIL)
        if old.status in TERMINAL or (recorded and verdict != old.audit_verdict):
            return
        if old.status == S.FAILED or (old.status == S.COMPLETED and verdict != AuditState.PASS):
            return
        self.contract = old.model_copy(
            update={"audit_verdict": verdict, "version": old.version + 1}
        )

    @rule()
    def fire_due_timers(self) -> None:
        for timer in due_timers(self.contract, self.now):
            try:
                if timer.kind == TimerKind.EXPIRY:
                    new, record = expire(self.contract, self.now)
                elif timer.kind == TimerKind.ACTIVATION:
                    job = execution_job_id(self.contract.contract_id)
                    new, record = activate(self.contract, job, self.now)
                elif timer.kind == TimerKind.WINDOW_CLOSED:
                    new, record = close_window(self.contract, self.now)
                else:
                    continue  # warnings notify; they never change the contract
            except ContractRuleViolation:
                continue
            self._store(new, record, by_founder=False)

    @rule(verdict=st.sampled_from(list(CheckOutcome)))
    def push_forward(self, verdict: CheckOutcome) -> None:
        """Take the natural next step, so that walks reach the later states often."""
        contract = self.contract
        if contract.status == S.ELIGIBLE:
            founder = next((f for f in FOUNDERS if f not in self.approvals), FOUNDERS[0])
            self.founder_decides(A.APPROVE, founder, "", HealthStatus.HEALTHY, False, None)
        elif contract.status == S.APPROVED and contract.activation_window_start is not None:
            self.now = max(self.now, contract.activation_window_start)
            self.fire_due_timers()
        elif contract.status == S.ACTIVE:
            self.audit(verdict)

    @invariant()
    def completed_only_with_audit_pass(self) -> None:
        if self.contract.status == S.COMPLETED:
            assert self.contract.audit_verdict == AuditState.PASS

    @invariant()
    def stored_contract_satisfies_every_status_guard(self) -> None:
        check_status_guards(self.contract)

    @invariant()
    def terminal_contract_never_changes(self) -> None:
        if self.contract.status in TERMINAL:
            if self.terminal_snapshot is None:
                self.terminal_snapshot = self.contract
            assert self.contract == self.terminal_snapshot


ContractLifecycleMachine.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestContractLifecycle = ContractLifecycleMachine.TestCase


def assert_valid_refusal(rule: str) -> None:
    """A refusal always names a rule of the contract domain."""
    assert rule.split("-")[0] in {"CONTRACT", "AUDIT", "REVIEW", "ACTIVATION", "SM"}


@settings(max_examples=300, deadline=None)
@given(
    source=st.sampled_from(list(ContractStatus)),
    target=st.sampled_from(list(ContractStatus)),
    audit=st.sampled_from(list(AuditState)),
    approved=st.booleans(),
    job=st.booleans(),
    hours=st.integers(min_value=-2, max_value=24 * 10),
    reason=st.sampled_from(REASONS),
)
def test_CONTRACT001_any_successful_transition_is_in_the_table_and_satisfies_guards(
    source: ContractStatus,
    target: ContractStatus,
    audit: AuditState,
    approved: bool,
    job: bool,
    hours: int,
    reason: str,
) -> None:
    fields = approved_fields() if approved else {}
    contract = snapshot(source, audit_verdict=audit, job_id=uuid4() if job else None, **fields)
    try:
        after, record = transition(
            contract, target, actor="p", reason=reason, at=T0 + timedelta(hours=hours)
        )
    except ContractRuleViolation as refused:
        refusal_rule = refused.rule
        assert_valid_refusal(refusal_rule)
        return
    assert source not in TERMINAL
    assert (source, target) in ALLOWED_PAIRS
    assert (record.from_status, record.to_status) == (source, target)
    check_status_guards(after)
    if target == S.COMPLETED:
        assert audit == AuditState.PASS

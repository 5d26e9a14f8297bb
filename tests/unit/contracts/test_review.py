"""Founder review (SPEC §6): REVIEW-001…006, refusals as values, multi-founder approval."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from govmesh.contracts.domain import (
    ReviewResult,
    contract_expiry,
    decide,
    is_expired,
    revision_contract_id,
)
from govmesh.contracts.domain.review import founder_refusal
from govmesh.schemas import (
    ContractStatus,
    FounderAction,
    HealthStatus,
    NotificationKind,
    Severity,
)

from .factories import (
    CAPABILITY,
    DAY,
    HOUR,
    T0,
    completed,
    config_update,
    context,
    crm_event,
    decision,
    disable,
    snapshot,
)

pytestmark = pytest.mark.unit

S = ContractStatus
A = FounderAction
NOW = T0 + HOUR


# --- APPROVE -------------------------------------------------------------------------


def test_REVIEW003_approve_sets_approver_time_and_default_24h_window() -> None:
    contract = snapshot(S.ELIGIBLE)
    ask = decision(contract, A.APPROVE)

    outcome = decide(contract, ask, context(), NOW)

    assert outcome.result == ReviewResult.APPLIED
    after = outcome.contract
    assert after.status == S.APPROVED
    assert after.approved_by == ["alice"]
    assert after.approved_at == NOW
    assert (after.activation_window_start, after.activation_window_end) == (NOW, NOW + DAY)
    assert after.version == contract.version + 1
    assert outcome.transition is not None
    assert (outcome.transition.from_status, outcome.transition.to_status) == (
        S.ELIGIBLE,
        S.APPROVED,
    )
    assert outcome.transition.actor == "alice"
    assert outcome.transition.causation_id == ask.decision_id


def test_REVIEW003_approve_with_given_window() -> None:
    contract = snapshot(S.ELIGIBLE)
    start, end = NOW + 2 * HOUR, NOW + 5 * HOUR
    ask = decision(contract, A.APPROVE, activation_window_start=start, activation_window_end=end)
    after = decide(contract, ask, context(), NOW).contract
    assert (after.activation_window_start, after.activation_window_end) == (start, end)


def test_REVIEW003_start_only_gets_24h_from_start() -> None:
    contract = snapshot(S.ELIGIBLE)
    start = NOW + 3 * HOUR
    after = decide(
        contract, decision(contract, A.APPROVE, activation_window_start=start), context(), NOW
    ).contract
    assert after.activation_window_end == start + DAY


@pytest.mark.parametrize(
    ("start", "end"),
    [(NOW + 2 * HOUR, NOW + 2 * HOUR), (NOW + 2 * HOUR, NOW + HOUR), (NOW - 3 * HOUR, NOW - HOUR)],
)
def test_REVIEW003_window_must_end_after_start_and_after_now(
    start: datetime, end: datetime
) -> None:
    contract = snapshot(S.ELIGIBLE)
    ask = decision(contract, A.APPROVE, activation_window_start=start, activation_window_end=end)
    outcome = decide(contract, ask, context(), NOW)
    assert outcome.refused and outcome.refusal is not None
    assert outcome.refusal.rule == "REVIEW-003"
    assert outcome.contract is contract


@pytest.mark.parametrize("status", [s for s in ContractStatus if s != S.ELIGIBLE])
@pytest.mark.parametrize("action", [A.APPROVE, A.REJECT, A.MODIFY_SCOPE, A.REQUEST_CLARIFICATION])
def test_REVIEW001_only_eligible_contracts_are_reviewed(
    status: ContractStatus, action: FounderAction
) -> None:
    contract = completed() if status == S.COMPLETED else snapshot(status)
    ask = decision(
        contract,
        action,
        reason="a sufficiently long reason",
        request="which tenant?",
        proposed_changes=[disable()],
    )
    outcome = decide(contract, ask, context(), NOW)
    assert outcome.refused and outcome.refusal is not None
    assert outcome.refusal.rule == "REVIEW-001"
    assert outcome.transition is None
    assert outcome.contract is contract
    assert outcome.notification == NotificationKind.DECISION_REFUSED


@pytest.mark.parametrize(
    "health", [HealthStatus.DEGRADED, HealthStatus.UNHEALTHY, HealthStatus.UNKNOWN]
)
def test_E104_approve_refused_when_system_not_healthy(health: HealthStatus) -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(contract, decision(contract, A.APPROVE), context(system_health=health), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "E-104"
    assert health.value in outcome.refusal.message


def test_E104_reject_still_possible_when_not_healthy() -> None:
    contract = snapshot(S.ELIGIBLE)
    ask = decision(contract, A.REJECT, reason="not during an incident, sorry")
    outcome = decide(contract, ask, context(system_health=HealthStatus.UNHEALTHY), NOW)
    assert outcome.contract.status == S.REJECTED


@pytest.mark.parametrize("frozen", [CAPABILITY, CAPABILITY.lower(), "SYSTEM"])
def test_ELIG005_approve_refused_when_capability_frozen(frozen: str) -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(
        contract,
        decision(contract, A.APPROVE),
        context(frozen_capabilities=frozenset({frozen})),
        NOW,
    )
    assert outcome.refusal is not None and outcome.refusal.rule == "ELIG-005"
    assert "frozen capability" in outcome.refusal.message


def test_ELIG005_other_frozen_capability_does_not_block() -> None:
    contract = snapshot(S.ELIGIBLE)
    ctx = context(frozen_capabilities=frozenset({"BILLING"}))
    assert decide(contract, decision(contract, A.APPROVE), ctx, NOW).contract.status == S.APPROVED


def test_ELIG005_frozen_change_target_outside_affected_list_blocks() -> None:
    contract = snapshot(S.ELIGIBLE, proposed_changes=[config_update(scope="SEARCH")])
    ctx = context(frozen_capabilities=frozenset({"SEARCH"}))
    outcome = decide(contract, decision(contract, A.APPROVE), ctx, NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "ELIG-005"


def test_REVIEW_EXPIRED_approve_refused_after_ttl() -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(contract, decision(contract, A.APPROVE), context(), T0 + 7 * DAY)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-EXPIRED"


def test_REVIEW_AUTHORITY_is_one_check_for_every_founder_action() -> None:
    founders = frozenset({"alice", " Bob "})
    assert founder_refusal("alice", founders) is None
    assert founder_refusal("BOB", founders) is None, "names compare without case or blanks"
    assert founder_refusal("anyone", None) is None, "no founders configured: any founder"
    refused = founder_refusal("mallory", founders)
    assert refused is not None and refused.rule == "REVIEW-AUTHORITY"
    assert "mallory" in refused.message


def test_REVIEW_AUTHORITY_unknown_founder_is_refused() -> None:
    contract = snapshot(S.ELIGIBLE)
    ctx = context(founders=frozenset({"alice", "bob"}))
    outcome = decide(contract, decision(contract, A.APPROVE, founder="mallory"), ctx, NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-AUTHORITY"
    assert decide(contract, decision(contract, A.APPROVE, founder="Bob"), ctx, NOW).result == (
        ReviewResult.APPLIED
    )


def test_decision_for_another_contract_is_refused() -> None:
    contract = snapshot(S.ELIGIBLE)
    ask = decision(snapshot(S.ELIGIBLE), A.APPROVE)
    outcome = decide(contract, ask, context(), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-CONTRACT-MISMATCH"


@pytest.mark.parametrize("action", [A.RESOLVE_AUDIT, A.ACKNOWLEDGE_AUDIT, A.CANCEL_JOB])
def test_non_review_actions_are_refused_not_raised(action: FounderAction) -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(contract, decision(contract, action), context(), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-UNSUPPORTED-ACTION"


def test_machine_guard_violation_becomes_a_refusal_not_an_exception() -> None:
    contract = snapshot(S.ELIGIBLE).model_copy(update={"confidence_score": 2.0})
    outcome = decide(contract, decision(contract, A.APPROVE), context(), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "CONTRACT-007"


# --- multi-founder ---------------------------------------------------------------------


def test_multi_founder_partial_approval_is_recorded_without_transition() -> None:
    contract = snapshot(S.ELIGIBLE, risk_level=Severity.HIGH)
    ctx = context(required_approvals={Severity.HIGH: 2})

    outcome = decide(contract, decision(contract, A.APPROVE, founder="alice"), ctx, NOW)

    assert outcome.result == ReviewResult.RECORDED
    assert outcome.transition is None
    assert outcome.contract is contract
    assert outcome.approvals == ("alice",)
    assert outcome.approvals_required == 2
    assert outcome.record.result == ReviewResult.RECORDED


def test_multi_founder_second_distinct_founder_approves() -> None:
    contract = snapshot(S.ELIGIBLE, risk_level=Severity.HIGH)
    ctx = context(required_approvals={Severity.HIGH: 2}, approvals=("alice",))

    outcome = decide(contract, decision(contract, A.APPROVE, founder="bob"), ctx, NOW)

    assert outcome.result == ReviewResult.APPLIED
    assert outcome.contract.status == S.APPROVED
    assert outcome.contract.approved_by == ["alice", "bob"]


@pytest.mark.parametrize("again", ["alice", "Alice", " alice "])
def test_REVIEW_DUPLICATE_FOUNDER_never_counts_twice(again: str) -> None:
    contract = snapshot(S.ELIGIBLE, risk_level=Severity.HIGH)
    ctx = context(required_approvals={Severity.HIGH: 2}, approvals=("alice",))
    outcome = decide(contract, decision(contract, A.APPROVE, founder=again), ctx, NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-DUPLICATE-FOUNDER"
    assert outcome.approvals == ("alice",)


def test_multi_founder_duplicates_in_recorded_approvals_count_once() -> None:
    contract = snapshot(S.ELIGIBLE, risk_level=Severity.CRITICAL)
    # Counted naively, alice twice plus bob plus carol would reach 4.
    ctx = context(required_approvals={Severity.CRITICAL: 4}, approvals=("alice", "ALICE", "bob"))
    outcome = decide(contract, decision(contract, A.APPROVE, founder="carol"), ctx, NOW)
    assert outcome.result == ReviewResult.RECORDED
    assert outcome.approvals == ("alice", "bob", "carol")


def test_multi_founder_default_is_one_everywhere() -> None:
    contract = snapshot(S.ELIGIBLE, risk_level=Severity.LOW)
    ctx = context(required_approvals={Severity.HIGH: 2})
    assert decide(contract, decision(contract, A.APPROVE), ctx, NOW).contract.status == S.APPROVED


def test_required_approvals_below_one_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        context(required_approvals={Severity.LOW: 0})


# --- REJECT ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "no thanks", "0123456789", "  short   "])
def test_REVIEW002_reject_needs_reason_longer_than_10(reason: str | None) -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(contract, decision(contract, A.REJECT, reason=reason), context(), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-002"
    assert outcome.contract is contract


def test_REVIEW002_reject_is_final_and_reason_visible_to_requester() -> None:
    contract = snapshot(S.ELIGIBLE)
    reason = "Log search is not offered on this plan."
    outcome = decide(contract, decision(contract, A.REJECT, reason=reason), context(), NOW)
    assert outcome.contract.status == S.REJECTED
    assert outcome.contract.status_reason == reason
    assert outcome.notification == NotificationKind.OUTCOME
    later = decide(outcome.contract, decision(outcome.contract, A.APPROVE), context(), NOW)
    assert later.refusal is not None and later.refusal.rule == "REVIEW-001"


# --- clarification ------------------------------------------------------------------------


def test_REVIEW_clarification_request_keeps_eligible_and_records_request_and_time() -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(
        contract,
        decision(contract, A.REQUEST_CLARIFICATION, request="Which project?"),
        context(),
        NOW,
    )
    after = outcome.contract
    assert outcome.result == ReviewResult.RECORDED
    assert outcome.transition is None
    assert after.status == S.ELIGIBLE
    assert (after.clarification_request, after.clarification_requested_at) == (
        "Which project?",
        NOW,
    )
    assert after.version == contract.version + 1
    assert outcome.notification == NotificationKind.CLARIFICATION_REQUESTED


def test_REVIEW004_clarification_request_needs_a_question() -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(contract, decision(contract, A.REQUEST_CLARIFICATION), context(), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-004"


def test_ttl_pauses_while_clarification_pending_and_resumes_without_reset() -> None:
    contract = snapshot(S.ELIGIBLE)  # created T0, expires T0 + 7 d
    asked_at, answered_at = T0 + 2 * DAY, T0 + 5 * DAY
    paused = decide(
        contract,
        decision(contract, A.REQUEST_CLARIFICATION, request="Which tenant?"),
        context(),
        asked_at,
    ).contract

    assert not is_expired(paused, T0 + 30 * DAY)  # the clock stands still while paused
    assert contract_expiry(paused, answered_at) == T0 + 10 * DAY

    resumed = decide(
        paused,
        decision(paused, A.PROVIDE_CLARIFICATION, reason="Tenant acme-prod"),
        context(),
        answered_at,
    ).contract

    # Paused at day 2 with 5 running days left: they are left again when it resumes.
    assert resumed.expires_at == answered_at + 5 * DAY
    assert resumed.expires_at != answered_at + 7 * DAY  # not reset to a fresh TTL
    assert resumed.clarification_requested_at is None
    assert resumed.clarification_request == "Which tenant?"
    assert resumed.status == S.ELIGIBLE
    assert resumed.validator_verdict == contract.validator_verdict  # not re-validated
    assert resumed.eligibility_verdict == contract.eligibility_verdict
    assert is_expired(resumed, answered_at + 5 * DAY)
    assert not is_expired(resumed, answered_at + 5 * DAY - timedelta(seconds=1))


def test_REVIEW_CLARIFICATION_PENDING_blocks_approval_and_second_request() -> None:
    contract = snapshot(S.ELIGIBLE, clarification_request="?", clarification_requested_at=NOW)
    for ask in (
        decision(contract, A.APPROVE),
        decision(contract, A.REQUEST_CLARIFICATION, request="and another thing"),
    ):
        outcome = decide(contract, ask, context(), NOW + HOUR)
        assert outcome.refusal is not None
        assert outcome.refusal.rule == "REVIEW-CLARIFICATION-PENDING"


def test_reject_allowed_while_clarification_pending() -> None:
    contract = snapshot(S.ELIGIBLE, clarification_request="?", clarification_requested_at=NOW)
    ask = decision(contract, A.REJECT, reason="Requester never answered the question.")
    assert decide(contract, ask, context(), NOW + 20 * DAY).contract.status == S.REJECTED


def test_provide_clarification_without_pending_request_is_refused() -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(
        contract, decision(contract, A.PROVIDE_CLARIFICATION, reason="x"), context(), NOW
    )
    assert outcome.refusal is not None
    assert outcome.refusal.rule == "REVIEW-NO-CLARIFICATION-PENDING"


def test_REVIEW004_provide_clarification_needs_its_text() -> None:
    contract = snapshot(S.ELIGIBLE, clarification_request="?", clarification_requested_at=NOW)
    outcome = decide(contract, decision(contract, A.PROVIDE_CLARIFICATION), context(), NOW + HOUR)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-004"


# --- MODIFY_SCOPE -----------------------------------------------------------------------


def test_REVIEW005_modify_scope_supersedes_and_returns_revision_for_revalidation() -> None:
    contract = snapshot(S.ELIGIBLE)
    new_changes = [config_update(new=150)]
    ask = decision(contract, A.MODIFY_SCOPE, proposed_changes=new_changes, reason="smaller step")

    outcome = decide(contract, ask, context(), NOW)

    assert outcome.contract.status == S.SUPERSEDED
    revision = outcome.revision
    assert revision is not None
    assert revision.parent_contract_id == contract.contract_id
    assert revision.contract_id == revision_contract_id(contract.contract_id, ask.decision_id)
    assert revision.contract_id != contract.contract_id
    assert revision.proposed_changes == new_changes
    assert revision.issue_id == contract.issue_id
    assert str(revision.contract_id) in (outcome.contract.status_reason or "")
    event = crm_event()
    message = revision.issue_revised(event)
    assert (message.contract_id, message.parent_contract_id) == (
        revision.contract_id,
        contract.contract_id,
    )
    assert message.proposed_changes == new_changes
    assert message.revised_by == "alice"
    assert message.event == event


def test_REVIEW005_modify_scope_needs_new_proposed_changes() -> None:
    contract = snapshot(S.ELIGIBLE)
    outcome = decide(contract, decision(contract, A.MODIFY_SCOPE), context(), NOW)
    assert outcome.refusal is not None and outcome.refusal.rule == "REVIEW-005"
    assert outcome.revision is None


# --- REVIEW-004 records -----------------------------------------------------------------


def test_REVIEW004_every_outcome_carries_a_complete_record() -> None:
    contract = snapshot(S.ELIGIBLE)
    changes = [disable()]
    ask = decision(
        contract, A.MODIFY_SCOPE, founder="bob", proposed_changes=changes, reason="narrower"
    )
    record = decide(contract, ask, context(), NOW).record
    assert record.actor == "bob"
    assert record.session_id == "session-bob"
    assert record.action == A.MODIFY_SCOPE
    assert record.decided_at == ask.decided_at
    assert record.recorded_at == NOW
    assert record.reason == "narrower"
    assert record.modifications == changes
    assert record.decision_id == ask.decision_id
    assert record.contract_id == contract.contract_id
    assert record.result == ReviewResult.APPLIED


def test_REVIEW004_refusals_are_recorded_with_their_rule() -> None:
    contract = snapshot(S.ELIGIBLE)
    record = decide(contract, decision(contract, A.REJECT, reason="short"), context(), NOW).record
    assert record.result == ReviewResult.REFUSED
    assert record.rule == "REVIEW-002"
    assert record.message


def test_REVIEW004_approval_record_carries_the_effective_window() -> None:
    contract = snapshot(S.ELIGIBLE)
    record = decide(contract, decision(contract, A.APPROVE), context(), NOW).record
    assert (record.activation_window_start, record.activation_window_end) == (NOW, NOW + DAY)
    assert record.model_dump(mode="json")["action"] == "APPROVE"


def test_REVIEW_never_raises_for_uuid_of_unknown_contract() -> None:
    contract = snapshot(S.ELIGIBLE)
    ask = decision(contract, A.APPROVE).model_copy(update={"contract_id": uuid4()})
    assert decide(contract, ask, context(), NOW).refused

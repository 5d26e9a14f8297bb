"""MODIFY_SCOPE drafts and their fresh assessment (REVIEW-005), CANCEL_JOB checks, and the
E-006 claim outcome of creation."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from govmesh.contracts.domain import (
    ContractRuleViolation,
    Refusal,
    Revision,
    assess_revision,
    cancel_job,
    create_from_assessment,
    draft_revision,
    revision_contract_id,
)
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    EligibilityDecision,
    FounderAction,
    JobCancelRequested,
    Severity,
)

from .factories import (
    CAPABILITY,
    DAY,
    HOUR,
    T0,
    active,
    assessed,
    config_update,
    decision,
    eligibility_verdict,
    snapshot,
    validator_verdict,
)

pytestmark = pytest.mark.unit

S = ContractStatus


def _revision(parent_id: UUID | None = None) -> tuple[Revision, ContractSnapshot]:
    parent = snapshot(S.ELIGIBLE)
    new_id = revision_contract_id(parent.contract_id, uuid4())
    revision = Revision(
        contract_id=new_id,
        parent_contract_id=parent_id or parent.contract_id,
        issue_id=parent.issue_id,
        proposed_changes=[config_update()],
        revised_by="alice",
        revised_at=T0 + HOUR,
    )
    return revision, parent


def test_E006_claimed_capability_turns_MAY_into_REJECTED_naming_the_holder() -> None:
    holder = uuid4()
    contract, history = create_from_assessment(assessed(), uuid4(), T0, duplicate_of=holder)
    assert contract.status == S.REJECTED
    assert contract.status_reason == f"E-006: Similar contract already pending: {holder}"
    assert history[-1].actor == "contracts"


def test_E006_claim_does_not_change_a_MAY_NOT() -> None:
    proposal = assessed(
        eligibility=eligibility_verdict(EligibilityDecision.MAY_NOT, first_failing_rule="E-001")
    )
    contract, _ = create_from_assessment(proposal, uuid4(), T0, duplicate_of=uuid4())
    assert contract.status_reason is not None and contract.status_reason.startswith("E-001")


def test_REVIEW005_revision_draft_has_parent_link_new_changes_and_pending_verdicts() -> None:
    revision, parent = _revision()
    draft, created = draft_revision(parent, revision)
    assert draft.status == S.DRAFT and draft.version == 1
    assert draft.parent_contract_id == parent.contract_id
    assert draft.proposed_changes == [config_update()]
    assert draft.affected_capabilities == [CAPABILITY]
    assert draft.validator_verdict.validator_version == "0.0.0"
    assert draft.eligibility_verdict.decision == EligibilityDecision.MAY_NOT
    assert draft.confidence_score == 0.0
    assert draft.expires_at == T0 + HOUR + 7 * DAY
    assert (created.from_status, created.to_status, created.actor) == (None, S.DRAFT, "alice")


def test_REVIEW005_revision_of_another_parent_is_refused() -> None:
    revision, parent = _revision(parent_id=uuid4())
    with pytest.raises(ContractRuleViolation) as refused:
        draft_revision(parent, revision)
    assert refused.value.rule == "CONTRACT-ID-MISMATCH"


def test_REVIEW005_assessment_replaces_both_verdicts_and_advances_the_draft() -> None:
    revision, parent = _revision()
    draft, _ = draft_revision(parent, revision)
    verdict = validator_verdict(proposed_changes=[config_update()], severity=Severity.HIGH)
    proposal = assessed(
        verdict=verdict, contract_id=draft.contract_id, parent_contract_id=draft.parent_contract_id
    )
    final, history = assess_revision(draft, proposal, T0 + 2 * HOUR)
    assert final.status == S.ELIGIBLE and final.version == 3
    assert [(t.from_status, t.to_status) for t in history] == [
        (S.DRAFT, S.VALIDATED),
        (S.VALIDATED, S.ELIGIBLE),
    ]
    assert final.validator_verdict == verdict
    assert final.eligibility_verdict == proposal.eligibility
    assert final.risk_level == Severity.HIGH
    assert final.confidence_score == verdict.confidence_score


def test_REVIEW005_assessment_for_another_contract_or_a_moved_on_draft_is_refused() -> None:
    revision, parent = _revision()
    draft, _ = draft_revision(parent, revision)
    with pytest.raises(ContractRuleViolation) as mismatch:
        assess_revision(draft, assessed(contract_id=uuid4()), T0)
    assert mismatch.value.rule == "CONTRACT-ID-MISMATCH"
    done, _ = assess_revision(draft, assessed(contract_id=draft.contract_id), T0)
    with pytest.raises(ContractRuleViolation) as moved_on:
        assess_revision(done, assessed(contract_id=draft.contract_id), T0)
    assert moved_on.value.rule == "CONTRACT-001"


def test_cancel_of_an_active_contracts_job_is_requested() -> None:
    contract = active()
    cancel = decision(contract, FounderAction.CANCEL_JOB, job_id=contract.job_id, reason="stop it")
    result = cancel_job(contract, cancel, T0 + DAY)
    assert isinstance(result, JobCancelRequested)
    assert (result.job_id, result.contract_id) == (contract.job_id, contract.contract_id)
    assert (result.requested_by, result.reason, result.requested_at) == (
        "alice",
        "stop it",
        T0 + DAY,
    )


@pytest.mark.parametrize(
    ("contract", "job_matches", "founders", "rule"),
    [
        (snapshot(S.ELIGIBLE), True, None, "JOB-CANCEL"),
        (active(), False, None, "JOB-CANCEL"),
        (active(), True, frozenset({"bob"}), "REVIEW-AUTHORITY"),
    ],
)
def test_cancel_is_refused_naming_the_rule(
    contract: ContractSnapshot, job_matches: bool, founders: frozenset[str] | None, rule: str
) -> None:
    job = contract.job_id if job_matches else uuid4()
    cancel = decision(contract, FounderAction.CANCEL_JOB, job_id=job)
    result = cancel_job(contract, cancel, T0, founders)
    assert isinstance(result, Refusal) and result.rule == rule

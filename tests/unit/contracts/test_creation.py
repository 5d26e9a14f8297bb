"""Creating a contract from ProposalAssessed (SPEC §5 step 4) and the escalation notice."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.contracts.domain import (
    INTAKE_STATES,
    ContractRuleViolation,
    contract_id_for,
    create_from_assessment,
    needs_escalation_notice,
)
from govmesh.schemas import (
    ContractStatus,
    EligibilityDecision,
    IssueType,
    RecommendedAction,
    Severity,
    Source,
)
from govmesh.schemas.contracts import AuditState

from .factories import (
    CAPABILITY,
    DAY,
    T0,
    assessed,
    config_update,
    crm_event,
    eligibility_verdict,
    validator_verdict,
)

pytestmark = pytest.mark.unit

S = ContractStatus


def test_eligibility_MAY_gives_draft_validated_eligible() -> None:
    proposal = assessed(event=crm_event(source=Source.OPS_ALERT))
    cid = uuid4()
    cause = uuid4()

    contract, history = create_from_assessment(proposal, cid, T0, causation_id=cause)

    assert [(t.from_status, t.to_status) for t in history] == [
        (None, S.DRAFT),
        (S.DRAFT, S.VALIDATED),
        (S.VALIDATED, S.ELIGIBLE),
    ]
    assert [t.actor for t in history] == ["contracts", "validator", "eligibility"]
    assert all(t.causation_id == cause and t.at == T0 for t in history)
    assert contract.status == S.ELIGIBLE
    assert contract.version == 3
    assert contract.contract_id == cid
    assert contract.issue_id == proposal.issue_id
    assert contract.source == Source.OPS_ALERT
    assert contract.created_by == "contracts"
    assert contract.created_at == contract.updated_at == T0
    assert contract.expires_at == T0 + 7 * DAY
    assert contract.proposed_changes == proposal.verdict.proposed_changes
    assert contract.affected_capabilities == [CAPABILITY]
    assert contract.confidence_score == proposal.verdict.confidence_score
    assert contract.validator_verdict == proposal.verdict
    assert contract.eligibility_verdict == proposal.eligibility
    assert contract.audit_verdict == AuditState.PENDING
    assert contract.approved_by == []
    assert contract.execution_constraints["max_duration_ms"] == 60_000


def test_eligibility_MAY_NOT_rejects_with_first_failing_rule_and_reason() -> None:
    proposal = assessed(
        eligibility=eligibility_verdict(
            EligibilityDecision.MAY_NOT,
            first_failing_rule="E-001",
            reason="Validator confidence too low",
        )
    )

    contract, history = create_from_assessment(proposal, uuid4(), T0)

    assert contract.status == S.REJECTED
    assert contract.status_reason == "E-001: Validator confidence too low"
    assert history[-1].reason == "E-001: Validator confidence too low"
    assert [t.to_status for t in history] == [S.DRAFT, S.VALIDATED, S.REJECTED]


def test_missing_prerequisites_are_named_when_no_rule_failed() -> None:
    proposal = assessed(
        verdict=validator_verdict(proposed_changes=None, proposed_changes_reason="no action"),
        eligibility=eligibility_verdict(
            EligibilityDecision.MAY_NOT,
            reason="Missing prerequisites",
            missing_prerequisites=["proposed_changes"],
        ),
    )
    contract, _ = create_from_assessment(proposal, uuid4(), T0)
    assert contract.status == S.REJECTED
    assert "proposed_changes" in (contract.status_reason or "")


def test_CONTRACT006_MAY_without_proposed_changes_fails_closed_to_rejected() -> None:
    proposal = assessed(verdict=validator_verdict(proposed_changes=None))

    contract, history = create_from_assessment(proposal, uuid4(), T0)

    assert contract.status == S.REJECTED
    assert (contract.status_reason or "").startswith("CONTRACT-006")
    assert history[-1].actor == "contracts"


@pytest.mark.parametrize(
    ("severity", "risk"),
    [(Severity.LOW, Severity.LOW), (Severity.HIGH, Severity.HIGH)],
)
def test_risk_level_comes_from_validator_severity(severity: Severity, risk: Severity) -> None:
    contract, _ = create_from_assessment(
        assessed(verdict=validator_verdict(severity=severity)), uuid4(), T0
    )
    assert contract.risk_level == risk


def test_description_is_clipped_to_4000_and_title_whitespace_normalised() -> None:
    event = crm_event(subject="  Enable \n  LOGS_LIST  ", body="b" * 9000)
    contract, _ = create_from_assessment(assessed(event=event), uuid4(), T0)
    assert contract.title == "Enable LOGS_LIST"
    assert len(contract.description) == 4000
    assert contract.description == "b" * 3999 + "…"


def test_title_of_200_characters_is_kept_whole() -> None:
    event = crm_event(subject="s" * 200)
    contract, _ = create_from_assessment(assessed(event=event), uuid4(), T0)
    assert contract.title == "s" * 200


def test_short_title_and_description_are_kept() -> None:
    contract, _ = create_from_assessment(assessed(), uuid4(), T0)
    assert contract.title == "Please enable LOGS_LIST for us"
    assert contract.description == "We need log search (LOGS_LIST) enabled for our project."


def test_REVIEW006_ttl_is_configurable() -> None:
    contract, _ = create_from_assessment(assessed(), uuid4(), T0, ttl=timedelta(days=3))
    assert contract.expires_at == T0 + 3 * DAY


def test_duplicate_capabilities_are_listed_once_and_constraints_override() -> None:
    proposal = assessed(
        verdict=validator_verdict(
            affected_capabilities=[CAPABILITY, "SEARCH", CAPABILITY],
            proposed_changes=[config_update()],
        )
    )
    contract, _ = create_from_assessment(
        proposal, uuid4(), T0, execution_constraints={"max_duration_ms": 5000}
    )
    assert contract.affected_capabilities == [CAPABILITY, "SEARCH"]
    assert contract.execution_constraints == {"max_duration_ms": 5000}


def test_REVIEW005_revision_keeps_its_contract_id_and_parent() -> None:
    parent, cid = uuid4(), uuid4()
    proposal = assessed(contract_id=cid, parent_contract_id=parent)
    contract, _ = create_from_assessment(proposal, cid, T0)
    assert (contract.contract_id, contract.parent_contract_id) == (cid, parent)


def test_contract_id_must_match_the_revision() -> None:
    with pytest.raises(ContractRuleViolation) as refused:
        create_from_assessment(assessed(contract_id=uuid4()), uuid4(), T0)
    assert refused.value.rule == "CONTRACT-ID-MISMATCH"


def test_created_statuses_are_intake_statuses_only() -> None:
    for decision in EligibilityDecision:
        contract, _ = create_from_assessment(
            assessed(eligibility=eligibility_verdict(decision, first_failing_rule="E-002")),
            uuid4(),
            T0,
        )
        assert contract.status in INTAKE_STATES


def test_contract_id_for_is_deterministic_per_issue() -> None:
    issue = uuid4()
    assert contract_id_for(issue) == contract_id_for(issue)
    assert contract_id_for(issue) != contract_id_for(uuid4())


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"issue_type": IssueType.ESCALATION, "recommended_action": RecommendedAction.ESCALATE},
            True,
        ),
        (
            {"issue_type": IssueType.BUG_REPORT, "recommended_action": RecommendedAction.ESCALATE},
            True,
        ),
        ({"severity": Severity.CRITICAL}, True),
        ({"recommended_action": RecommendedAction.DEFER, "issue_type": IssueType.UNKNOWN}, False),
        ({"recommended_action": RecommendedAction.REJECT, "severity": Severity.LOW}, False),
        ({}, False),
    ],
)
def test_VAL005_escalations_need_a_notice_deferrals_do_not(
    overrides: dict[str, object], expected: bool
) -> None:
    assert needs_escalation_notice(assessed(verdict=validator_verdict(**overrides))) is expected


def test_VAL005_escalation_rejected_by_eligibility_still_needs_notice() -> None:
    proposal = assessed(
        verdict=validator_verdict(
            issue_type=IssueType.ESCALATION, recommended_action=RecommendedAction.ESCALATE
        ),
        eligibility=eligibility_verdict(
            EligibilityDecision.MAY_NOT,
            first_failing_rule="E-004",
            reason="Issue type escalation requires manual handling",
        ),
    )
    contract, _ = create_from_assessment(proposal, uuid4(), T0)
    assert contract.status == S.REJECTED
    assert needs_escalation_notice(proposal)

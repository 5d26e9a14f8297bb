"""The `proposed_changes` prerequisite: present and schema-valid, else MAY_NOT."""

from __future__ import annotations

import pytest

from govmesh.schemas import CapabilityEnable, EligibilityDecision, ProposalValidated

from .factories import CAPABILITY, assess, proposal, result_of, validator_verdict

pytestmark = pytest.mark.unit


def test_PREREQUISITE_missing_proposed_changes_is_listed() -> None:
    verdict = assess(proposal(changes=None, changes_reason="no action verb found"))
    assert verdict.decision is EligibilityDecision.MAY_NOT
    assert verdict.first_failing_rule == "PREREQUISITE"
    assert verdict.missing_prerequisites == ["proposed_changes"]
    assert verdict.reason == "Missing prerequisite: proposed_changes (no action verb found)"


def test_PREREQUISITE_missing_without_validator_reason_still_explains() -> None:
    verdict = assess(proposal(changes=None))
    assert verdict.reason == "Missing prerequisite: proposed_changes (none proposed)"


def test_PREREQUISITE_schema_invalid_changes_are_refused() -> None:
    # Bypasses validation the way an unvalidated construction would.
    fields: dict[str, object] = {
        "capability_name": CAPABILITY,
        "target_lifecycle": "NOT_A_LIFECYCLE",
    }
    bad_change = CapabilityEnable.model_construct(**fields)  # type: ignore[arg-type]
    valid = proposal()
    verdict_fields = validator_verdict().model_dump()
    verdict_fields["proposed_changes"] = [bad_change]
    unvalidated = ProposalValidated.model_construct(
        issue_id=valid.issue_id,
        event=valid.event,
        verdict=type(valid.verdict).model_construct(**verdict_fields),
        contract_id=None,
        parent_contract_id=None,
    )
    verdict = assess(unvalidated)
    assert verdict.first_failing_rule == "PREREQUISITE"
    assert verdict.missing_prerequisites == ["proposed_changes"]
    assert verdict.reason == "Missing prerequisite: proposed_changes not schema-valid (1 errors)"


def test_PREREQUISITE_present_changes_pass() -> None:
    verdict = assess(proposal())
    assert result_of(verdict, "PREREQUISITE").passed
    assert verdict.missing_prerequisites == []


def test_PREREQUISITE_listed_even_when_an_earlier_rule_decides() -> None:
    verdict = assess(proposal(changes=None, confidence=0.5))
    assert verdict.first_failing_rule == "E-001"
    assert verdict.missing_prerequisites == ["proposed_changes"]

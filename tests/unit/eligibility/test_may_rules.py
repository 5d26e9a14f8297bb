"""The MAY rules E-001…E-006: each fails when it must and holds when it should."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.eligibility.domain import EligibilityConfig
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractStatus,
    EligibilityDecision,
    IssueType,
    RecommendedAction,
    SignalType,
    Source,
)

from .factories import (
    CAPABILITY,
    NOW,
    OTHER_CAPABILITY,
    assess,
    context,
    contract_lifecycle,
    enable,
    governance_signal,
    proposal,
    result_of,
    uid,
    with_contracts,
    with_signals,
)

pytestmark = pytest.mark.unit


def test_E001_confidence_below_threshold_fails() -> None:
    verdict = assess(proposal(confidence=0.69))
    assert verdict.first_failing_rule == "E-001"
    assert verdict.reason == "Validator confidence too low"


def test_E001_confidence_at_threshold_holds() -> None:
    verdict = assess(proposal(confidence=0.70))
    assert result_of(verdict, "E-001").passed
    assert verdict.decision is EligibilityDecision.MAY


def test_E001_threshold_is_configuration() -> None:
    strict = EligibilityConfig(confidence_threshold=0.9)
    assert assess(proposal(confidence=0.85), config=strict).first_failing_rule == "E-001"


def test_E002_unknown_capability_fails() -> None:
    verdict = assess(proposal(capabilities=(CAPABILITY, "NOT_A_CAPABILITY")))
    assert verdict.first_failing_rule == "E-002"
    assert verdict.reason == "Unknown capability referenced: NOT_A_CAPABILITY"


def test_E002_unknown_change_target_fails() -> None:
    verdict = assess(proposal(capabilities=(CAPABILITY,), changes=[enable("GHOST")]))
    assert verdict.first_failing_rule == "E-002"
    assert verdict.reason == "Unknown capability referenced: GHOST"


def test_E002_known_capabilities_hold() -> None:
    verdict = assess(proposal(capabilities=(CAPABILITY, OTHER_CAPABILITY)))
    assert result_of(verdict, "E-002").passed


def test_E002_system_scope_is_not_an_unknown_capability() -> None:
    ctx = with_signals(context(), governance_signal(SYSTEM_SCOPE, SignalType.PRE_APPROVAL))
    verdict = assess(proposal(capabilities=(SYSTEM_SCOPE, CAPABILITY)), ctx)
    assert result_of(verdict, "E-002").passed


@pytest.mark.parametrize("scope", [CAPABILITY, SYSTEM_SCOPE])
def test_E003_blocked_signal_fails(scope: str) -> None:
    ctx = with_signals(context(), governance_signal(scope, SignalType.BLOCKED))
    verdict = assess(proposal(), ctx)
    assert verdict.first_failing_rule == "E-003"
    assert verdict.reason == "Blocked by governance signal: BLOCKED"
    assert verdict.blocking_signals == [f"BLOCKED:{scope}"]


def test_E003_every_blocking_signal_is_listed() -> None:
    ctx = with_signals(
        context(),
        governance_signal(SYSTEM_SCOPE, SignalType.BLOCKED),
        governance_signal(CAPABILITY, SignalType.BLOCKED),
    )
    verdict = assess(proposal(), ctx)
    assert verdict.blocking_signals == [f"BLOCKED:{CAPABILITY}", f"BLOCKED:{SYSTEM_SCOPE}"]


def test_E003_unrelated_inactive_or_expired_block_holds() -> None:
    ctx = with_signals(
        context(),
        governance_signal(OTHER_CAPABILITY, SignalType.BLOCKED),
        governance_signal(CAPABILITY, SignalType.BLOCKED, expires_at=NOW - timedelta(hours=1)),
        governance_signal(SYSTEM_SCOPE, SignalType.BLOCKED, active=False),
    )
    verdict = assess(proposal(), ctx)
    assert result_of(verdict, "E-003").passed
    assert verdict.blocking_signals == []


def test_E003_block_expiring_after_now_still_blocks() -> None:
    ctx = with_signals(
        context(),
        governance_signal(CAPABILITY, SignalType.BLOCKED, expires_at=NOW + timedelta(seconds=1)),
    )
    assert assess(proposal(), ctx).first_failing_rule == "E-003"


@pytest.mark.parametrize("issue_type", [IssueType.ESCALATION, IssueType.UNKNOWN])
def test_E004_non_actionable_type_fails(issue_type: IssueType) -> None:
    verdict = assess(proposal(issue_type=issue_type))
    assert verdict.first_failing_rule == "E-004"
    assert verdict.reason == f"Issue type {issue_type.value} requires manual handling"


def test_E004_actionable_type_recommended_for_escalation_fails() -> None:
    verdict = assess(proposal(issue_type=IssueType.BUG_REPORT, action=RecommendedAction.ESCALATE))
    assert verdict.first_failing_rule == "E-004"
    assert verdict.reason == "Issue type bug_report requires manual handling"


@pytest.mark.parametrize(
    "issue_type",
    [IssueType.CAPABILITY_REQUEST, IssueType.CONFIGURATION_CHANGE, IssueType.BUG_REPORT],
)
def test_E004_actionable_type_holds(issue_type: IssueType) -> None:
    verdict = assess(proposal(issue_type=issue_type))
    assert result_of(verdict, "E-004").passed
    assert verdict.decision is EligibilityDecision.MAY


@pytest.mark.parametrize("source", [Source.MANUAL, Source.INTEGRATION])
def test_E005_source_outside_allowlist_fails(source: Source) -> None:
    verdict = assess(proposal(source=source))
    assert verdict.first_failing_rule == "E-005"
    assert verdict.reason == f"Source {source.value} not in allowlist"


@pytest.mark.parametrize("source", [Source.CRM_FEEDBACK, Source.SUPPORT_TICKET, Source.OPS_ALERT])
def test_E005_allowlisted_source_holds(source: Source) -> None:
    assert assess(proposal(source=source)).decision is EligibilityDecision.MAY


def test_E006_open_contract_sharing_capability_fails() -> None:
    ctx = with_contracts(context(), contract_lifecycle("pending"))
    verdict = assess(proposal(), ctx)
    assert verdict.first_failing_rule == "E-006"
    assert verdict.reason == f"Similar contract already pending: {uid('pending')}"


def test_E006_open_contract_on_other_capability_holds() -> None:
    ctx = with_contracts(context(), contract_lifecycle("other", capabilities=(OTHER_CAPABILITY,)))
    assert result_of(assess(proposal(), ctx), "E-006").passed


def test_E006_window_edge_23h_fails_25h_holds() -> None:
    recent = with_contracts(
        context(), contract_lifecycle("recent", created_at=NOW - timedelta(hours=23))
    )
    old = with_contracts(context(), contract_lifecycle("old", created_at=NOW - timedelta(hours=25)))
    assert assess(proposal(), recent).first_failing_rule == "E-006"
    assert result_of(assess(proposal(), old), "E-006").passed


def test_E006_window_boundary_is_inclusive() -> None:
    ctx = with_contracts(
        context(), contract_lifecycle("edge", created_at=NOW - timedelta(hours=24))
    )
    assert assess(proposal(), ctx).first_failing_rule == "E-006"


@pytest.mark.parametrize(
    "status",
    [
        ContractStatus.REJECTED,
        ContractStatus.EXPIRED,
        ContractStatus.FAILED,
        ContractStatus.COMPLETED,
        ContractStatus.SUPERSEDED,
    ],
)
def test_E006_closed_contract_is_not_a_duplicate(status: ContractStatus) -> None:
    ctx = with_contracts(
        context(),
        contract_lifecycle("closing", status=ContractStatus.ELIGIBLE),
        contract_lifecycle("closing", status=status, version=2),
    )
    assert result_of(assess(proposal(), ctx), "E-006").passed


@pytest.mark.parametrize(
    "status",
    [
        ContractStatus.DRAFT,
        ContractStatus.VALIDATED,
        ContractStatus.ELIGIBLE,
        ContractStatus.APPROVED,
        ContractStatus.ACTIVE,
    ],
)
def test_E006_every_open_status_counts(status: ContractStatus) -> None:
    ctx = with_contracts(context(), contract_lifecycle("open", status=status))
    assert assess(proposal(), ctx).first_failing_rule == "E-006"


def test_E006_earliest_similar_contract_is_named() -> None:
    ctx = with_contracts(
        context(),
        contract_lifecycle("later", created_at=NOW - timedelta(hours=1)),
        contract_lifecycle("earlier", created_at=NOW - timedelta(hours=5)),
    )
    assert assess(proposal(), ctx).reason == f"Similar contract already pending: {uid('earlier')}"


def test_E006_own_contract_parent_and_issue_are_not_duplicates() -> None:
    own = contract_lifecycle("own")
    parent = contract_lifecycle("parent")
    same_issue = contract_lifecycle("sibling", issue="issue")
    ctx = with_contracts(context(), own, parent, same_issue)
    revision = proposal(contract_id=uid("own"), parent_contract_id=uid("parent"))
    assert result_of(assess(revision, ctx), "E-006").passed
    stranger = proposal(issue="another-issue")
    assert assess(stranger, ctx).first_failing_rule == "E-006"

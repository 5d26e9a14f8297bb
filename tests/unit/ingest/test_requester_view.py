"""GATE-8: the requester sees the outcome only (rejection reason, completed changes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from govmesh.ingest.domain import (
    ContractOutcome,
    IssueStatus,
    RequesterStatus,
    latest_contract,
    requester_view,
)
from govmesh.schemas import ContractStatus
from tests.unit.ingest.factories import NOW

pytestmark = pytest.mark.unit

C = ContractStatus
ISSUE = uuid4()
CHANGES = [
    {"type": "capability_enable", "capability_name": "LOGS_LIST", "target_lifecycle": "LAUNCHED"}
]


def outcome(
    status: ContractStatus,
    *,
    minutes: int = 0,
    version: int = 1,
    reason: str | None = "E-001: Validator confidence too low",
    changes: list[dict[str, Any]] | None = None,
) -> ContractOutcome:
    return ContractOutcome(
        contract_id=uuid4(),
        status=status,
        status_reason=reason,
        proposed_changes=CHANGES if changes is None else changes,
        version=version,
        updated_at=NOW + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize(
    "status", [IssueStatus.RECEIVED, IssueStatus.VALIDATING, IssueStatus.VALIDATED]
)
def test_GATE8_no_contract_yet_is_received(status: IssueStatus) -> None:
    view = requester_view(ISSUE, status, [])
    assert view.as_json() == {
        "issue_id": str(ISSUE),
        "status": "RECEIVED",
        "reason": None,
        "changes": None,
    }


def test_GATE8_invalid_issue_is_rejected_with_a_generic_reason() -> None:
    view = requester_view(ISSUE, IssueStatus.INVALID, [])
    assert view.status is RequesterStatus.REJECTED
    assert view.reason
    assert view.changes is None


def test_GATE8_validation_failed_issue_is_failed() -> None:
    view = requester_view(ISSUE, IssueStatus.VALIDATION_FAILED, [])
    assert (view.status, view.reason, view.changes) == (RequesterStatus.FAILED, None, None)


def test_GATE8_rejected_contract_shows_the_rejection_reason_only() -> None:
    view = requester_view(
        ISSUE, IssueStatus.RECEIVED, [outcome(C.REJECTED, reason="Too risky now")]
    )
    assert view.as_json() == {
        "issue_id": str(ISSUE),
        "status": "REJECTED",
        "reason": "Too risky now",
        "changes": None,
    }


def test_GATE8_completed_contract_shows_the_changes_only() -> None:
    view = requester_view(
        ISSUE, IssueStatus.RECEIVED, [outcome(C.COMPLETED, reason="All checks passed")]
    )
    assert view.as_json() == {
        "issue_id": str(ISSUE),
        "status": "COMPLETED",
        "reason": None,
        "changes": CHANGES,
    }


def test_GATE8_failed_contract_shows_neither_reason_nor_changes() -> None:
    view = requester_view(ISSUE, IssueStatus.RECEIVED, [outcome(C.FAILED, reason="A-002 FAIL")])
    assert (view.status, view.reason, view.changes) == (RequesterStatus.FAILED, None, None)


@pytest.mark.parametrize(
    "status",
    [C.DRAFT, C.VALIDATED, C.ELIGIBLE, C.APPROVED, C.ACTIVE, C.EXPIRED, C.SUPERSEDED],
)
def test_GATE8_any_other_contract_status_is_under_review_without_internals(
    status: ContractStatus,
) -> None:
    view = requester_view(ISSUE, IssueStatus.RECEIVED, [outcome(status)])
    assert (view.status, view.reason, view.changes) == (RequesterStatus.UNDER_REVIEW, None, None)


def test_GATE8_latest_contract_by_update_time_speaks_for_the_issue() -> None:
    superseded = outcome(C.SUPERSEDED, minutes=1)
    successor = outcome(C.REJECTED, minutes=5, reason="Not this quarter")
    view = requester_view(ISSUE, IssueStatus.RECEIVED, [successor, superseded])
    assert (view.status, view.reason) == (RequesterStatus.REJECTED, "Not this quarter")


def test_GATE8_on_a_tie_the_superseded_contract_yields() -> None:
    superseded = outcome(C.SUPERSEDED, minutes=3, version=4)
    successor = outcome(C.DRAFT, minutes=3, version=1)
    assert latest_contract([superseded, successor]) is successor
    assert latest_contract([successor, superseded]) is successor


def test_GATE8_no_contracts_no_latest() -> None:
    assert latest_contract([]) is None

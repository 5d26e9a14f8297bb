"""What the requester may see of its issue (GATE-8): the outcome, never the internals.

Ingest follows `contracts.lifecycle` and keeps, per contract of an issue, its status,
its status reason and its proposed changes. The requester's view is derived from the
latest of those contracts:

| latest contract        | view                                            |
|------------------------|-------------------------------------------------|
| none                   | RECEIVED (issue INVALID -> REJECTED, VALIDATION_FAILED -> FAILED) |
| REJECTED               | REJECTED with the rejection reason              |
| COMPLETED              | COMPLETED with the changes made                 |
| FAILED                 | FAILED                                          |
| any other status       | UNDER_REVIEW                                    |

Verdicts, confidence, eligibility rules, approvers and audit details are never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from govmesh.ingest.domain.lifecycle import IssueStatus
from govmesh.schemas import ContractStatus

INVALID_ISSUE_REASON = "The submitted event was found invalid and will not be processed."


class RequesterStatus(StrEnum):
    RECEIVED = "RECEIVED"
    UNDER_REVIEW = "UNDER_REVIEW"
    REJECTED = "REJECTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class ContractOutcome:
    """What ingest records of one contract of an issue (from `contracts.lifecycle`)."""

    contract_id: UUID
    status: ContractStatus
    status_reason: str | None
    proposed_changes: list[dict[str, Any]] | None
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class RequesterView:
    issue_id: UUID
    status: RequesterStatus
    reason: str | None = None
    changes: list[dict[str, Any]] | None = None

    def as_json(self) -> dict[str, Any]:
        """The body of `GET /api/v1/issues/{issue_id}/status`."""
        return {
            "issue_id": str(self.issue_id),
            "status": self.status.value,
            "reason": self.reason,
            "changes": self.changes,
        }


def latest_contract(outcomes: list[ContractOutcome]) -> ContractOutcome | None:
    """The contract that speaks for the issue now.

    Contracts of one issue arrive on different partitions, so order is by the contract's
    own `updated_at`; on a tie a superseded contract yields to its successor.
    """
    if not outcomes:
        return None
    return max(
        outcomes,
        key=lambda o: (o.updated_at, o.status is not ContractStatus.SUPERSEDED, o.version),
    )


def requester_view(
    issue_id: UUID, issue_status: IssueStatus, outcomes: list[ContractOutcome]
) -> RequesterView:
    """GATE-8: map the issue and its contracts to the outcome the requester may see."""
    latest = latest_contract(outcomes)
    if latest is None:
        if issue_status is IssueStatus.INVALID:
            return RequesterView(issue_id, RequesterStatus.REJECTED, reason=INVALID_ISSUE_REASON)
        if issue_status is IssueStatus.VALIDATION_FAILED:
            return RequesterView(issue_id, RequesterStatus.FAILED)
        return RequesterView(issue_id, RequesterStatus.RECEIVED)
    if latest.status is ContractStatus.REJECTED:
        return RequesterView(issue_id, RequesterStatus.REJECTED, reason=latest.status_reason)
    if latest.status is ContractStatus.COMPLETED:
        return RequesterView(issue_id, RequesterStatus.COMPLETED, changes=latest.proposed_changes)
    if latest.status is ContractStatus.FAILED:
        return RequesterView(issue_id, RequesterStatus.FAILED)
    return RequesterView(issue_id, RequesterStatus.UNDER_REVIEW)

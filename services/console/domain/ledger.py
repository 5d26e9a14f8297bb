"""Decisions submitted through this console process, and what has become of them.

The console cannot read `founder.decisions` back (only contracts consumes it), so it
remembers what it published. A submission is SUBMITTED until the lifecycle view shows
the contract at a newer version (REFLECTED) or contracts answers with a
DECISION_REFUSED notification for the contract (REFUSED). The memory is per process
and bounded: it serves the founder's screen and the duplicate-approval courtesy check,
never authority.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from govmesh.schemas import ContractSnapshot, FounderAction, Notification, NotificationKind

PER_CONTRACT = 50


class SubmissionState(StrEnum):
    SUBMITTED = "submitted"
    REFLECTED = "reflected"
    REFUSED = "refused"


@dataclass(frozen=True)
class Submission:
    """A durably published FounderDecision; `contract_version` is what the founder saw."""

    decision_id: UUID
    contract_id: UUID
    action: FounderAction
    founder: str
    at: datetime
    contract_version: int


def refusal_after(submission: Submission, notes: Iterable[Notification]) -> Notification | None:
    """The first DECISION_REFUSED notification for the submission's contract since it was made."""
    for note in notes:
        if (
            note.kind == NotificationKind.DECISION_REFUSED
            and note.contract_id == submission.contract_id
            and note.at >= submission.at
        ):
            return note
    return None


def state_of(
    submission: Submission, contract: ContractSnapshot | None, notes: Iterable[Notification]
) -> SubmissionState:
    """Where a submission stands given the contract view and the contract's notifications."""
    if refusal_after(submission, notes) is not None:
        return SubmissionState.REFUSED
    if contract is not None and contract.version > submission.contract_version:
        return SubmissionState.REFLECTED
    return SubmissionState.SUBMITTED


class DecisionLedger:
    """Bounded, per contract, newest last."""

    def __init__(self, per_contract: int = PER_CONTRACT) -> None:
        self._per_contract = per_contract
        self._by_contract: dict[UUID, deque[Submission]] = {}

    def record(self, submission: Submission) -> None:
        """Remember a submission once it has been published."""
        entries = self._by_contract.setdefault(
            submission.contract_id, deque(maxlen=self._per_contract)
        )
        entries.append(submission)

    def for_contract(self, contract_id: UUID) -> list[Submission]:
        """Submissions for one contract, oldest first."""
        return list(self._by_contract.get(contract_id, ()))

    def approvers(self, contract_id: UUID, notes: Iterable[Notification]) -> frozenset[str]:
        """Founders whose APPROVE of this contract was submitted here and not refused since.

        Any refusal for the contract after an approval clears it: the console cannot tell
        whose decision was refused, and it must never block what contracts would accept.
        """
        notes = list(notes)
        return frozenset(
            s.founder
            for s in self.for_contract(contract_id)
            if s.action == FounderAction.APPROVE and refusal_after(s, notes) is None
        )

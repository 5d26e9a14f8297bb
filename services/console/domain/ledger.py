"""Decisions submitted through this console process, and what has become of them.

The console cannot read `founder.decisions` back (only contracts consumes it), so it
remembers what it published. A submission is SUBMITTED until contracts answers it: a
DECISION_REFUSED notification (REFUSED), a DECISION_RECORDED notification for a decision
recorded without a status change (RECORDED: a partial approval, an acknowledgement, a
cancel request), or the lifecycle view showing the contract at a newer version
(REFLECTED). Notifications name the decision they answer; one that names none (older
producers) answers every submission of its contract made before it. The memory is per
process and bounded: it serves the founder's screen and the duplicate-approval courtesy
check, never authority.
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
    RECORDED = "recorded"
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


def _answer(
    submission: Submission, notes: Iterable[Notification], kind: NotificationKind
) -> Notification | None:
    """The first `kind` notification answering the submission (see the module doc)."""
    for note in notes:
        if note.kind != kind or note.contract_id != submission.contract_id:
            continue
        if note.decision_id == submission.decision_id:
            return note
        if note.decision_id is None and note.at >= submission.at:
            return note
    return None


def refusal_after(submission: Submission, notes: Iterable[Notification]) -> Notification | None:
    """The DECISION_REFUSED notification answering the submission, if any."""
    return _answer(submission, notes, NotificationKind.DECISION_REFUSED)


def state_of(
    submission: Submission, contract: ContractSnapshot | None, notes: Iterable[Notification]
) -> SubmissionState:
    """Where a submission stands given the contract view and the contract's notifications."""
    notes = list(notes)
    if refusal_after(submission, notes) is not None:
        return SubmissionState.REFUSED
    if contract is not None and contract.version > submission.contract_version:
        return SubmissionState.REFLECTED
    if _answer(submission, notes, NotificationKind.DECISION_RECORDED) is not None:
        return SubmissionState.RECORDED
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

        A refusal naming the approval clears it, and so does any refusal for the contract
        after it that names no decision: the console must never block what contracts would
        accept.
        """
        notes = list(notes)
        return frozenset(
            s.founder
            for s in self.for_contract(contract_id)
            if s.action == FounderAction.APPROVE and refusal_after(s, notes) is None
        )

"""Outgoing messages of the contract authority, each with a deterministic event id.

A re-run of the same input (a redelivery after a crash before the offset commit, or a
timer fired again after a lost commit) produces the same event ids, so the outbox
(`event_id` unique) and downstream inboxes drop the repeat.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import (
    ContractLifecycle,
    ContractSnapshot,
    Envelope,
    IssueRevised,
    JobCancelRequested,
    JobRequested,
    Notification,
    NotificationKind,
    Transition,
)
from govmesh.schemas.common import Message

LIFECYCLE = "contracts.lifecycle"
NOTIFICATIONS = "notifications"
JOBS_REQUESTED = "jobs.requested"
ISSUES_REVISED = "issues.revised"
PRODUCES = (LIFECYCLE, NOTIFICATIONS, JOBS_REQUESTED, ISSUES_REVISED)

#: Audiences of notifications: founders as a group, the original requester, or one founder.
FOUNDERS = "founders"
REQUESTER = "requester"


class EnvelopeFactory(Protocol):
    """`ServiceRuntime.envelope`: wrap and sign a message."""

    def __call__(
        self,
        message: Message,
        *,
        cause: Envelope | None = None,
        event_id: UUID | None = None,
        correlation_id: UUID | None = None,
        input_digest: str | None = None,
    ) -> Envelope: ...


class Publisher:
    """Builds the signed `Outgoing` items the repository writes to the outbox."""

    def __init__(self, envelope: EnvelopeFactory) -> None:
        self._envelope = envelope

    def _out(
        self,
        topic: str,
        key: UUID,
        message: Message,
        event_id: UUID,
        correlation_id: UUID,
        cause: Envelope | None,
    ) -> Outgoing:
        envelope = self._envelope(
            message, cause=cause, event_id=event_id, correlation_id=correlation_id
        )
        return Outgoing(topic, str(key), envelope)

    def lifecycle(
        self, contract: ContractSnapshot, transition: Transition, cause: Envelope | None
    ) -> Outgoing:
        """`ContractLifecycle` (key contract_id): the committed snapshot and one transition."""
        event_id = deterministic_id(
            LIFECYCLE,
            contract.contract_id,
            contract.version,
            transition.from_status,
            transition.to_status,
        )
        message = ContractLifecycle(contract=contract, transition=transition)
        return self._out(
            LIFECYCLE, contract.contract_id, message, event_id, contract.issue_id, cause
        )

    def notification(
        self,
        contract_id: UUID,
        issue_id: UUID | None,
        kind: NotificationKind,
        *,
        audience: str,
        message: str,
        at: datetime,
        dedup: object,
        rule: str | None = None,
        decision_id: UUID | None = None,
        cause: Envelope | None = None,
    ) -> Outgoing:
        """A `Notification` (key contract_id); `dedup` is what makes it unique (its cause)."""
        notification_id = deterministic_id(NOTIFICATIONS, dedup, kind.value, audience)
        note = Notification(
            notification_id=notification_id,
            contract_id=contract_id,
            issue_id=issue_id,
            kind=kind,
            audience=audience,
            message=message,
            rule=rule,
            decision_id=decision_id,
            at=at,
        )
        return self._out(
            NOTIFICATIONS, contract_id, note, notification_id, issue_id or contract_id, cause
        )

    def job_requested(self, job: JobRequested, issue_id: UUID, cause: Envelope | None) -> Outgoing:
        """`JobRequested` (key contract_id), one per job id (SM-006)."""
        event_id = deterministic_id(JOBS_REQUESTED, job.job_id)
        return self._out(JOBS_REQUESTED, job.contract_id, job, event_id, issue_id, cause)

    def job_cancel(
        self, cancel: JobCancelRequested, issue_id: UUID, decision_id: UUID, cause: Envelope | None
    ) -> Outgoing:
        """`JobCancelRequested` (key contract_id), one per founder decision."""
        event_id = deterministic_id(JOBS_REQUESTED, "cancel", decision_id)
        return self._out(JOBS_REQUESTED, cancel.contract_id, cancel, event_id, issue_id, cause)

    def issue_revised(self, revised: IssueRevised, cause: Envelope | None) -> Outgoing:
        """`IssueRevised` (key issue_id) for the Validator, one per revision contract."""
        event_id = deterministic_id(ISSUES_REVISED, revised.contract_id)
        return self._out(
            ISSUES_REVISED, revised.issue_id, revised, event_id, revised.issue_id, cause
        )

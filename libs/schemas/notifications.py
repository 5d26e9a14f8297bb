"""Notifications to founders and requesters."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from pydantic import AwareDatetime

from govmesh.schemas.common import Message


class NotificationKind(StrEnum):
    ESCALATION = "ESCALATION"
    REVIEW_WARNING = "REVIEW_WARNING"
    REVIEW_ESCALATION = "REVIEW_ESCALATION"
    CLARIFICATION_REQUESTED = "CLARIFICATION_REQUESTED"
    DECISION_REFUSED = "DECISION_REFUSED"
    #: A founder decision recorded without changing the contract's status or version
    #: (a partial approval, an acknowledgement, a cancel request): the founder's answer.
    DECISION_RECORDED = "DECISION_RECORDED"
    OUTCOME = "OUTCOME"
    INCIDENT = "INCIDENT"


class Notification(Message):
    TYPE = "Notification"

    notification_id: UUID
    contract_id: UUID | None
    issue_id: UUID | None = None
    kind: NotificationKind
    audience: str
    message: str
    rule: str | None = None
    #: The founder decision this notification answers (DECISION_REFUSED/RECORDED).
    decision_id: UUID | None = None
    at: AwareDatetime

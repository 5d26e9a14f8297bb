"""The message an accepted issue leaves with (step 1 -> `issues.accepted`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from govmesh.schemas import CrmEvent, IssueAccepted


def stamp_received(event: CrmEvent, received_at: datetime) -> CrmEvent:
    """The event as stored: `envelope.received_at` is the system's time of receipt."""
    envelope = event.envelope.model_copy(update={"received_at": received_at})
    return event.model_copy(update={"envelope": envelope})


def issue_accepted(
    event: CrmEvent, issue_id: UUID, received_at: datetime, recurrence_of: UUID | None
) -> IssueAccepted:
    """IssueAccepted for an issue stored as RECEIVED, carrying the stamped event."""
    return IssueAccepted(
        issue_id=issue_id,
        received_at=received_at,
        recurrence_of=recurrence_of,
        event=stamp_received(event, received_at),
    )

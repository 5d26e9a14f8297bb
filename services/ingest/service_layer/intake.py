"""Step 1 (receipt) for both ways in: HTTP and the `crm.events` consumer.

`check` applies every limit of SPEC §2; `store` writes the issue, its RECEIVED event
and the IssueAccepted outbox row in the caller's transaction; `new_issue` prepares the
same for the HTTP fast path (`GroupCommit`). Acceptance is only answered after the
write commits, so an accepted event is never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.ingest.adapters.repository import (
    Duplicate,
    Ingress,
    NewIssue,
    Stored,
    store_issue,
)
from govmesh.ingest.domain import (
    INITIAL,
    IngestPolicy,
    Invalid,
    check_size,
    issue_accepted,
    validate_event,
)
from govmesh.mesh.db import OutboxWriter
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import CrmEvent, Envelope, digest
from govmesh.schemas.common import Message

ACCEPTED_TOPIC = "issues.accepted"

Clock = Callable[[], datetime]


class Sealer(Protocol):
    """Wraps and signs a message as the ingest principal (`ServiceRuntime.envelope`)."""

    def __call__(
        self,
        message: Message,
        *,
        cause: Envelope | None = None,
        event_id: UUID | None = None,
        correlation_id: UUID | None = None,
        input_digest: str | None = None,
    ) -> Envelope: ...


@dataclass(frozen=True)
class Intake:
    policy: IngestPolicy
    seal: Sealer

    def check(self, raw: object, size_bytes: int, now: datetime) -> CrmEvent | Invalid:
        """Size, structure, field limits and the timestamp window, in that order."""
        too_large = check_size(size_bytes, self.policy)
        if too_large is not None:
            return Invalid((too_large,))
        return validate_event(raw, now, self.policy)

    async def store(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        event: CrmEvent,
        *,
        now: datetime,
        ingress: Ingress,
        cause: Envelope | None,
    ) -> Stored | Duplicate:
        """Store a checked event as a new issue (and queue IssueAccepted), or find its twin."""
        result = await store_issue(
            conn,
            event,
            issue_id=uuid4(),
            received_at=now,
            ingress=ingress,
            causation_id=cause.event_id if cause else None,
            policy=self.policy,
        )
        if isinstance(result, Stored):
            outbox.add(self._accepted(event, result, cause))
        return result

    def new_issue(self, event: CrmEvent, *, now: datetime, ingress: Ingress) -> NewIssue:
        """`event` as a new issue for the fast path (`GroupCommit`), its IssueAccepted sealed.

        Writing it stores what `store` would for an event whose key and reference are
        both unclaimed: the issue, its RECEIVED event and the IssueAccepted outbox row.
        """
        issue_id = uuid4()
        expected = Stored(issue_id, event.envelope.event_id, INITIAL, now, None)
        accepted = self._accepted(event, expected, None)
        return NewIssue(event, issue_id, now, ingress, accepted)

    def _accepted(self, event: CrmEvent, stored: Stored, cause: Envelope | None) -> Outgoing:
        message = issue_accepted(event, stored.issue_id, stored.received_at, stored.recurrence_of)
        envelope = self.seal(
            message,
            cause=cause,
            # Derived from the issue: a re-sent outbox row carries the same id downstream.
            event_id=deterministic_id("ingest.IssueAccepted", stored.issue_id),
            correlation_id=stored.issue_id,
            # Over HTTP there is no signed input envelope: link to the event as received.
            input_digest=None if cause else digest(event.model_dump(mode="json")),
        )
        return Outgoing(ACCEPTED_TOPIC, str(stored.issue_id), envelope)

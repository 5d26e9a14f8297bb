"""The IssueAccepted an accepted issue leaves with: received_at set by the system."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.ingest.domain import IngestPolicy, issue_accepted, stamp_received, validate_event
from govmesh.schemas import CrmEvent, IssueAccepted
from tests.unit.ingest.factories import NOW, raw_event

pytestmark = pytest.mark.unit


def event() -> CrmEvent:
    result = validate_event(raw_event(), NOW, IngestPolicy())
    assert isinstance(result, CrmEvent)
    return result


def test_received_at_is_stamped_by_the_system_and_nothing_else_changes() -> None:
    original = event()
    stamped = stamp_received(original, NOW)
    assert stamped.envelope.received_at == NOW
    assert original.envelope.received_at is None
    assert stamped.model_dump(exclude={"envelope": {"received_at"}}) == original.model_dump(
        exclude={"envelope": {"received_at"}}
    )


def test_issue_accepted_carries_issue_recurrence_and_stamped_event() -> None:
    issue_id, earlier = uuid4(), uuid4()
    later = NOW + timedelta(days=2)
    message = issue_accepted(event(), issue_id, later, earlier)
    assert (message.issue_id, message.received_at, message.recurrence_of) == (
        issue_id,
        later,
        earlier,
    )
    assert message.event.envelope.received_at == later
    # The wire form round-trips through the topic model.
    assert IssueAccepted.model_validate(message.model_dump(mode="json")) == message

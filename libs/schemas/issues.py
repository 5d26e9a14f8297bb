"""Issues leaving ingest, and founder scope revisions going back to the Validator."""

from __future__ import annotations

from uuid import UUID

from pydantic import AwareDatetime

from govmesh.schemas.changes import ProposedChanges
from govmesh.schemas.common import Message
from govmesh.schemas.crm import CrmEvent


class IssueAccepted(Message):
    """A CRM event durably stored as an issue (status RECEIVED)."""

    TYPE = "IssueAccepted"

    issue_id: UUID
    received_at: AwareDatetime
    recurrence_of: UUID | None = None
    event: CrmEvent


class IssueRevised(Message):
    """MODIFY_SCOPE: the founder's new proposed changes, to be validated afresh (REVIEW-005)."""

    TYPE = "IssueRevised"

    issue_id: UUID
    contract_id: UUID
    parent_contract_id: UUID
    proposed_changes: ProposedChanges
    revised_by: str
    revised_at: AwareDatetime
    event: CrmEvent

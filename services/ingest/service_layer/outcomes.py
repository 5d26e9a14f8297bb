"""Following contract outcomes for the requester's view (GATE-8)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.ingest.adapters.repository import load_status
from govmesh.ingest.domain import RequesterView, may_act_for, requester_view


async def view_for(conn: AsyncConnection, issue_id: UUID, bound: str) -> RequesterView | None:
    """The requester's view of an issue, or None when it is unknown to this caller.

    An issue of another source system is reported as unknown, so a key cannot probe
    which issue ids exist elsewhere.
    """
    record = await load_status(conn, issue_id)
    if record is None or not may_act_for(bound, record.source_system):
        return None
    return requester_view(issue_id, record.status, record.contracts)

"""De-duplication policy of SPEC §2, decided on rows the database has locked.

The store claims the idempotency key and the (source_system, source_reference) pair
with unique inserts; when a claim collides it locks the existing row and asks these
functions what the collision means. Nothing here reads or writes: the decisions are
pure so the boundaries (exactly 24 h) are tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class KeyDecision(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    RECURRENCE = "recurrence"


class DuplicateReason(StrEnum):
    IDEMPOTENCY_KEY = "idempotency_key"
    SOURCE_REFERENCE = "source_reference"


@dataclass(frozen=True)
class KeyHolder:
    """The latest issue an idempotency key produced, and when it was received."""

    issue_id: UUID
    received_at: datetime


def decide_key(holder: KeyHolder | None, now: datetime, window: timedelta) -> KeyDecision:
    """Same key within the window (inclusive) -> duplicate; after it -> a recurrence.

    A holder received "after" `now` (clocks of two replicas disagree) is within the window.
    """
    if holder is None:
        return KeyDecision.NEW
    if now - holder.received_at <= window:
        return KeyDecision.DUPLICATE
    return KeyDecision.RECURRENCE


def reference_is_duplicate(holder_issue_id: UUID, recurrence_of: UUID | None) -> bool:
    """A taken (source_system, source_reference) is a duplicate by source_reference,
    except when this submission is the recurrence of the very issue holding it: the same
    CRM item coming back with its key after the window is a new issue (SPEC §2).
    """
    return holder_issue_id != recurrence_of

"""Governance signals: freezes, blocks and founder pre-approvals, per scope."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import Message


class SignalType(StrEnum):
    BLOCKED = "BLOCKED"
    FROZEN = "FROZEN"
    PRE_APPROVAL = "PRE_APPROVAL"
    CHANGE_RECORDED = "CHANGE_RECORDED"


class GovernanceSignal(Message):
    TYPE = "GovernanceSignal"

    scope: str = Field(min_length=1)
    signal_type: SignalType
    active: bool
    issued_by: str = Field(min_length=1)
    reason: str
    issued_at: AwareDatetime
    expires_at: AwareDatetime | None = None

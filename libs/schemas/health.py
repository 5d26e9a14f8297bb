"""Health truth (PART2-005): every value names its source; no phantom health."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import HealthStatus, Message


class HealthSignal(Message):
    TYPE = "HealthSignal"

    scope: str = Field(min_length=1)
    status: HealthStatus
    source: str = Field(min_length=1)
    reason: str
    observed_at: AwareDatetime
    valid_until: AwareDatetime

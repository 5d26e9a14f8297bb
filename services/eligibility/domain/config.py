"""Eligibility configuration (SPEC §4): thresholds, allowlists and windows are data, not code.

Changing what a rule means bumps `rules_version`. Changing a value here does not, so every
verdict also carries the configuration's fingerprint (see `evaluate`) and a replay can tell
which parameters decided it (ELIG-001).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from govmesh.schemas import IssueType, Source, digest

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]

DEFAULT_SOURCE_ALLOWLIST = frozenset({Source.CRM_FEEDBACK, Source.SUPPORT_TICKET, Source.OPS_ALERT})
DEFAULT_ACTIONABLE_TYPES = frozenset(
    {IssueType.CAPABILITY_REQUEST, IssueType.CONFIGURATION_CHANGE, IssueType.BUG_REPORT}
)


class EligibilityConfig(BaseModel):
    """Frozen rule parameters; the defaults are the SPEC §4 values.

    `health_max_age_seconds` tightens E-104: when set, a HEALTHY signal observed longer
    ago than this counts as stale even if its `valid_until` is still ahead. Left unset,
    `valid_until` alone decides staleness.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    confidence_threshold: Fraction = 0.70
    minimum_confidence: Fraction = 0.30
    duplicate_window_hours: float = Field(default=24.0, gt=0)
    rules_version: str = Field(default="1.0.0", pattern=r"^\d+\.\d+\.\d+$")
    source_allowlist: frozenset[Source] = DEFAULT_SOURCE_ALLOWLIST
    actionable_types: frozenset[IssueType] = DEFAULT_ACTIONABLE_TYPES
    health_max_age_seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _minimum_not_above_threshold(self) -> Self:
        # A minimum above the threshold would make E-001 unreachable and hide E-100's meaning.
        if self.minimum_confidence > self.confidence_threshold:
            raise ValueError("minimum_confidence must not exceed confidence_threshold")
        return self

    @property
    def duplicate_window(self) -> timedelta:
        """The E-006 look-back window."""
        return timedelta(hours=self.duplicate_window_hours)

    @property
    def health_max_age(self) -> timedelta | None:
        """The optional E-104 age limit on a health observation."""
        if self.health_max_age_seconds is None:
            return None
        return timedelta(seconds=self.health_max_age_seconds)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical encoding of every parameter (sets sorted), for replay."""
        values = self.model_dump(mode="json")
        for name in ("source_allowlist", "actionable_types"):
            values[name] = sorted(values[name])
        return digest(values)

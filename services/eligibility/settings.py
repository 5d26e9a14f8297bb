"""Eligibility settings (GOVMESH_* environment variables).

The rule parameters of SPEC §4 are configuration; their variables carry an
`ELIGIBILITY_` infix (e.g. `GOVMESH_ELIGIBILITY_CONFIDENCE_THRESHOLD`) so they cannot
collide with another service's settings of a similar name (ingest's duplicate window).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from govmesh.eligibility.domain import EligibilityConfig
from govmesh.eligibility.domain.config import DEFAULT_ACTIONABLE_TYPES, DEFAULT_SOURCE_ALLOWLIST
from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import IssueType, Principal, Source


class EligibilitySettings(MeshSettings):
    """Stateless: no database. Unset rule parameters are the SPEC §4 defaults."""

    principal: Principal = Principal.ELIGIBILITY
    eligibility_confidence_threshold: float = Field(default=0.70, ge=0.0, le=1.0)
    eligibility_minimum_confidence: float = Field(default=0.30, ge=0.0, le=1.0)
    eligibility_duplicate_window_hours: float = Field(default=24.0, gt=0)
    eligibility_rules_version: str = Field(default="1.0.0", pattern=r"^\d+\.\d+\.\d+$")
    eligibility_source_allowlist: frozenset[Source] = DEFAULT_SOURCE_ALLOWLIST
    eligibility_actionable_types: frozenset[IssueType] = DEFAULT_ACTIONABLE_TYPES
    eligibility_health_max_age_seconds: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _own_principal(self) -> EligibilitySettings:
        if self.principal is not Principal.ELIGIBILITY:
            raise ValueError(
                f"the eligibility service runs as principal 'eligibility', not {self.principal}"
            )
        return self

    def config(self) -> EligibilityConfig:
        """The rule parameters every verdict is computed with (and fingerprinted by)."""
        return EligibilityConfig(
            confidence_threshold=self.eligibility_confidence_threshold,
            minimum_confidence=self.eligibility_minimum_confidence,
            duplicate_window_hours=self.eligibility_duplicate_window_hours,
            rules_version=self.eligibility_rules_version,
            source_allowlist=self.eligibility_source_allowlist,
            actionable_types=self.eligibility_actionable_types,
            health_max_age_seconds=self.eligibility_health_max_age_seconds,
        )

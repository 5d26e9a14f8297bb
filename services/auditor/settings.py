"""Auditor settings (GOVMESH_* environment variables)."""

from __future__ import annotations

from pydantic import Field, model_validator

from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal


class AuditorSettings(MeshSettings):
    """`audit_budget_s`: time for one audit from the job event to the verdict, including the
    wait for the contract view and the retry (SPEC §8: within 5 minutes; kept below the
    consumer's 300 s poll interval). `audit_retry_delay_s`: wait before the one retry of an
    INCONCLUSIVE audit; the default outlasts a health signal's validity (3 × 5 s heartbeat)
    so the retry reads fresh health if the health service is alive.
    """

    principal: Principal = Principal.AUDITOR
    audit_budget_s: float = Field(default=240.0, gt=0, le=290)
    audit_retry_delay_s: float = Field(default=20.0, ge=0)

    @model_validator(mode="after")
    def _retry_fits_the_budget(self) -> AuditorSettings:
        if self.principal is not Principal.AUDITOR:
            raise ValueError(f"the auditor runs as principal 'auditor', not {self.principal}")
        if self.audit_retry_delay_s >= self.audit_budget_s:
            raise ValueError("audit_retry_delay_s must be shorter than audit_budget_s")
        return self

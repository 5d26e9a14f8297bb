"""Audit verdicts (SPEC §8): every check, its evidence, and the immutable outcome."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import HealthStatus, Message, Model


class CheckOutcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"


Verdict = CheckOutcome


class AuditCheckResult(Model):
    check: str = Field(pattern=r"^A-\d{3}$")
    name: str
    outcome: CheckOutcome
    reason: str


class AuditVerdict(Message):
    TYPE = "AuditVerdict"

    audit_id: UUID
    job_id: UUID
    contract_id: UUID
    verdict: CheckOutcome
    reason: str
    checks: list[AuditCheckResult]
    counts: dict[str, int]
    evidence: dict[str, Any]
    health_before: dict[str, HealthStatus] | None
    health_after: dict[str, HealthStatus] | None
    auditor_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    duration_ms: int = Field(ge=0)
    attempt: int = Field(default=1, ge=1)
    audited_at: AwareDatetime

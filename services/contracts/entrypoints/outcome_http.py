"""The audit and incident read API (ARCHITECTURE "Outside interfaces"); nothing here writes.

- `GET /api/v1/audits/{job_id}` → the audit record of a job: `state` (PENDING, ESCALATED,
  PASS, FAIL, RESOLVED, ACKNOWLEDGED), the standing `audit_id` / `verdict` / `reason`,
  every verdict received (`audits`), the human `review`, the `rollout` with its
  history, the contract's `jobs` (execution and rollback) and its `incidents`.
- `GET /api/v1/audits/{audit_id}/checks` → `{audit_id, job_id, contract_id, verdict,
  reason, counts, checks: [{check, name, outcome, reason}]}`.
- `GET /api/v1/audits/{audit_id}/evidence` → `{audit_id, job_id, contract_id, verdict,
  evidence, health_before, health_after, auditor_version, duration_ms, attempt,
  audited_at, event_id}`.
- `GET /api/v1/incidents?contract_id=&kind=&acknowledged=&limit=` → `{"incidents": […],
  "count"}`, newest first.

Refusals are `{"error_code", "field", "message"}`: 422 INVALID_FIELD (the app's handler),
404 AUDIT_NOT_FOUND.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.adapters.outcome_reads import (
    audit_checks,
    audit_evidence,
    audit_record,
    list_incidents,
)
from govmesh.contracts.domain.outcome import IncidentKind

router = APIRouter()

MAX_LIMIT = 1000


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.contracts_engine
    return engine


def _not_found(field: str, value: UUID, what: str) -> JSONResponse:
    return JSONResponse(
        {"error_code": "AUDIT_NOT_FOUND", "field": field, "message": f"no {what} {value}"},
        status_code=404,
    )


@router.get("/api/v1/audits/{job_id}", response_model=None)
async def audit_of_job(request: Request, job_id: UUID) -> dict[str, Any] | JSONResponse:
    """The audit record of a job (404 when contracts knows no such job)."""
    found = await audit_record(_engine(request), job_id)
    return _not_found("job_id", job_id, "job") if found is None else found


@router.get("/api/v1/audits/{audit_id}/checks", response_model=None)
async def checks_of_audit(request: Request, audit_id: UUID) -> dict[str, Any] | JSONResponse:
    """Every check result of one audit (A-001 … A-007) and the counts."""
    found = await audit_checks(_engine(request), audit_id)
    return _not_found("audit_id", audit_id, "audit") if found is None else found


@router.get("/api/v1/audits/{audit_id}/evidence", response_model=None)
async def evidence_of_audit(request: Request, audit_id: UUID) -> dict[str, Any] | JSONResponse:
    """The evidence an audit judged, both health snapshots and its provenance."""
    found = await audit_evidence(_engine(request), audit_id)
    return _not_found("audit_id", audit_id, "audit") if found is None else found


@router.get("/api/v1/incidents")
async def incidents(
    request: Request,
    contract_id: UUID | None = None,
    kind: IncidentKind | None = None,
    acknowledged: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> dict[str, Any]:
    """Incidents, newest first."""
    found = await list_incidents(
        _engine(request),
        contract_id=contract_id,
        kind=kind,
        acknowledged=acknowledged,
        limit=limit,
    )
    return {"incidents": found, "count": len(found)}

"""The executor's read API (ARCHITECTURE "Outside interfaces"); jobs have no create API.

    GET /api/v1/jobs?status=&contract_id=&limit=   newest first
    GET /api/v1/jobs/{job_id}
    GET /api/v1/jobs/{job_id}/steps
    GET /api/v1/registry                           every registry.state record, by name

Errors are `{"error_code", "field", "message"}`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.executor.adapters import job_store as store
from govmesh.executor.adapters.registry_store import load_records
from govmesh.executor.domain.step_view import step_view
from govmesh.mesh.http import ReadinessCheck, base_app
from govmesh.schemas import JobStatus


def _error(status: int, code: str, field: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error_code": code, "field": field, "message": message}, status_code=status
    )


def _uuid(value: str, field: str) -> UUID | JSONResponse:
    try:
        return UUID(value)
    except ValueError:
        return _error(422, "INVALID_FIELD", field, f"{field}: must be a UUID")


def create_app(engine: AsyncEngine, checks: dict[str, ReadinessCheck]) -> FastAPI:
    """The executor app on the shared base (/healthz, /readyz, /metrics)."""
    app = base_app("govmesh executor", checks)

    @app.get("/api/v1/jobs", response_model=None)
    async def list_jobs(
        status: str | None = None,
        contract_id: str | None = None,
        limit: int = Query(default=100, ge=1, le=1000),
    ) -> dict[str, Any] | JSONResponse:
        if status is not None and status not in {s.value for s in JobStatus}:
            return _error(422, "INVALID_FIELD", "status", f"status: unknown job status {status}")
        contract: UUID | None = None
        if contract_id is not None:
            parsed = _uuid(contract_id, "contract_id")
            if isinstance(parsed, JSONResponse):
                return parsed
            contract = parsed
        async with engine.connect() as conn:
            rows = await store.list_jobs(conn, status=status, contract_id=contract, limit=limit)
        return {"jobs": [store.job_json(row) for row in rows]}

    @app.get("/api/v1/jobs/{job_id}", response_model=None)
    async def get_job(job_id: str) -> dict[str, Any] | JSONResponse:
        parsed = _uuid(job_id, "job_id")
        if isinstance(parsed, JSONResponse):
            return parsed
        async with engine.connect() as conn:
            row = await store.get_job(conn, parsed)
        if row is None:
            return _error(404, "JOB_NOT_FOUND", "job_id", f"job_id: no job {parsed}")
        return store.job_json(row)

    @app.get("/api/v1/jobs/{job_id}/steps", response_model=None)
    async def get_steps(job_id: str) -> dict[str, Any] | JSONResponse:
        parsed = _uuid(job_id, "job_id")
        if isinstance(parsed, JSONResponse):
            return parsed
        async with engine.connect() as conn:
            row = await store.get_job(conn, parsed)
            steps = await store.load_steps(conn, parsed) if row is not None else ()
        if row is None:
            return _error(404, "JOB_NOT_FOUND", "job_id", f"job_id: no job {parsed}")
        view = step_view(store.request_of(row).steps, steps, JobStatus(row.status))
        return {"job_id": str(parsed), "steps": [s.model_dump(mode="json") for s in view]}

    @app.get("/api/v1/registry")
    async def get_registry() -> dict[str, Any]:
        async with engine.connect() as conn:
            records = await load_records(conn)
        return {"records": [r.model_dump(mode="json") for r in records]}

    return app

"""The contracts read API (ARCHITECTURE "Outside interfaces"); nothing here writes.

- `GET /api/v1/contracts?status=&capability=&limit=` → `{"contracts": [snapshot…], "count"}`,
  newest first; `capability` matches case-insensitively.
- `GET /api/v1/contracts/{id}` → the snapshot.
- `GET /api/v1/contracts/{id}/history` → `{"contract_id", "history": [transition…]}`.

Refusals are `{"error_code", "field", "message"}`: 422 INVALID_FIELD for a bad query
or path value, 404 CONTRACT_NOT_FOUND.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.adapters.reads import get_contract, get_history, list_contracts
from govmesh.contracts.entrypoints.outcome_http import router as outcome_router
from govmesh.mesh.http import ReadinessCheck, base_app
from govmesh.schemas import ContractStatus

log = structlog.get_logger(__name__)

router = APIRouter()

MAX_LIMIT = 1000


def _engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.contracts_engine
    return engine


def _error(status: int, code: str, field: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error_code": code, "field": field, "message": message}, status_code=status
    )


def _not_found(contract_id: UUID) -> JSONResponse:
    return _error(404, "CONTRACT_NOT_FOUND", "contract_id", f"no contract {contract_id}")


def create_app(engine: AsyncEngine, checks: dict[str, ReadinessCheck]) -> FastAPI:
    """The read API on the shared base (/healthz, /readyz, /metrics)."""
    app = base_app("govmesh contracts", checks)
    app.state.contracts_engine = engine
    app.include_router(router)
    app.include_router(outcome_router)  # audits, incidents

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        field = str(first["loc"][-1]) if first.get("loc") else ""
        return _error(422, "INVALID_FIELD", field, f"{field}: {first.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def internal(_: Request, exc: Exception) -> JSONResponse:
        log.error("contracts.internal_error", error=repr(exc))
        return _error(500, "INTERNAL_ERROR", "", "internal error")

    return app


@router.get("/api/v1/contracts")
async def contracts_list(
    request: Request,
    status: ContractStatus | None = None,
    capability: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> dict[str, Any]:
    """Contracts filtered by status and/or capability, newest first."""
    found = await list_contracts(
        _engine(request), status=status, capability=capability, limit=limit
    )
    return {"contracts": [c.model_dump(mode="json") for c in found], "count": len(found)}


@router.get("/api/v1/contracts/{contract_id}", response_model=None)
async def contract_detail(request: Request, contract_id: UUID) -> dict[str, Any] | JSONResponse:
    """One contract's full snapshot."""
    contract = await get_contract(_engine(request), contract_id)
    if contract is None:
        return _not_found(contract_id)
    return contract.model_dump(mode="json")


@router.get("/api/v1/contracts/{contract_id}/history", response_model=None)
async def contract_history(request: Request, contract_id: UUID) -> dict[str, Any] | JSONResponse:
    """Every transition of the contract, oldest first."""
    history = await get_history(_engine(request), contract_id)
    if history is None:
        return _not_found(contract_id)
    return {
        "contract_id": str(contract_id),
        "history": [t.model_dump(mode="json") for t in history],
    }

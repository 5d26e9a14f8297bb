"""The ingest HTTP API (SPEC §2, GATE-8; ARCHITECTURE "Outside interfaces").

`POST /api/v1/governance/events` with `X-API-Key`, checked in this order:

| status | error_code | when |
|---|---|---|
| 401 | UNAUTHORIZED | no or unknown API key |
| 429 | RATE_LIMITED | the key's token bucket is empty (`Retry-After` header, seconds) |
| 413 | PAYLOAD_TOO_LARGE | the body is larger than the configured limit (64 KiB) |
| 400 | SCHEMA_VALIDATION_FAILED | not JSON or not an object; a part missing, mistyped, unknown |
| 422 | INVALID_EVENT_ID … INVALID_BODY, INVALID_FIELD | a field breaks its rule (named by path) |
| 403 | INVALID_SOURCE_SYSTEM | the event's source_system is not the one the key is bound to |
| 201 | — | stored: `{event_id, issue_id, status, is_duplicate: false}` (+ `recurrence_of`) |
| 200 | — | duplicate: the existing ids, `is_duplicate: true`, `duplicate_reason` |

The split: 400 when the document's shape is wrong (nothing can be said about a field),
422 when the shape is right and a field breaks a rule. Refusals are
`{error_code, field, message}` plus `errors`, every problem found. 201/200 are sent
only after the issue, its RECEIVED event and the IssueAccepted outbox row committed.

`GET /api/v1/issues/{issue_id}/status` (same key) shows the requester's view only.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any, NoReturn
from uuid import UUID

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from govmesh.ingest.adapters.repository import Duplicate, Stored
from govmesh.ingest.domain import (
    API_KEY_FIELD,
    WHOLE_DOCUMENT,
    ErrorCode,
    FieldError,
    Invalid,
    authenticate,
    check_binding,
    payload_too_large,
    rate_limited,
)
from govmesh.ingest.entrypoints.deps import HttpContext
from govmesh.ingest.entrypoints.metrics import SUBMISSIONS
from govmesh.ingest.service_layer.outcomes import view_for
from govmesh.mesh.db import OutboxWriter, is_transient
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.http import ReadinessCheck, base_app
from govmesh.schemas import CrmEvent

log = structlog.get_logger(__name__)

STORE_ATTEMPTS = 3
SUBMIT_PATH = "/api/v1/governance/events"
STATUS_PATH = "/api/v1/issues/{issue_id}/status"

_STATUS = {
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.SCHEMA_VALIDATION_FAILED: 400,
    ErrorCode.ISSUE_NOT_FOUND: 404,
    ErrorCode.INTERNAL_ERROR: 500,
}


# The routes read the context and the key from the request rather than through FastAPI
# dependencies: resolving them was a measurable share of a request's CPU. The header is
# still documented in the OpenAPI description.
_API_KEY_DOC: dict[str, Any] = {
    "parameters": [
        {"name": API_KEY_FIELD, "in": "header", "required": False, "schema": {"type": "string"}}
    ]
}


def _context(request: Request) -> tuple[HttpContext, str | None]:
    return request.app.state.ingest, request.headers.get(API_KEY_FIELD)


def http_status(error: FieldError) -> int:
    """The HTTP status of a refusal: the table in this module's docstring."""
    return _STATUS.get(error.error_code, 422)


def create_app(context: HttpContext, checks: dict[str, ReadinessCheck]) -> FastAPI:
    """The ingest app on the shared base (/healthz, /readyz, /metrics)."""
    app = base_app("govmesh ingest", checks)
    app.state.ingest = context
    # On the app itself rather than through an included APIRouter, whose routing layer
    # costs every request a little more.
    app.add_api_route(SUBMIT_PATH, submit_event, methods=["POST"], openapi_extra=_API_KEY_DOC)
    app.add_api_route(STATUS_PATH, issue_status, methods=["GET"], openapi_extra=_API_KEY_DOC)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("ingest.internal_error", error=repr(exc))
        return JSONResponse(
            {"error_code": "INTERNAL_ERROR", "field": None, "message": "internal error"},
            status_code=500,
        )

    return app


async def submit_event(request: Request) -> JSONResponse:
    """Receive one CRM event (step 1): authenticate, limit, check, store, answer."""
    context, api_key = _context(request)
    now = context.clock()
    bound = authenticate(api_key, context.api_keys)
    if isinstance(bound, FieldError):
        return _refuse(bound)
    decision = context.limiter.check(api_key or "", now)
    if not decision.allowed:
        return _refuse(
            rate_limited(decision, API_KEY_FIELD),
            headers={"Retry-After": str(decision.retry_after_s)},
        )
    limit = context.intake.policy.max_payload_bytes
    body = await _read_limited(request, limit)
    if body is None:
        return _refuse(payload_too_large(context.intake.policy))
    try:
        raw = json.loads(body, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        return _refuse(
            FieldError(
                ErrorCode.SCHEMA_VALIDATION_FAILED,
                WHOLE_DOCUMENT,
                f"the request body is not valid JSON: {exc}",
            )
        )
    checked = context.intake.check(raw, len(body), now)
    if isinstance(checked, Invalid):
        return _refuse(checked.first, errors=checked.errors)
    foreign = check_binding(checked, bound)
    if foreign is not None:
        return _refuse(foreign, status=403)
    result = await _store(context, checked, now)
    return _answer(result)


async def issue_status(issue_id: str, request: Request) -> JSONResponse:
    """The requester's view of its issue (GATE-8): outcome only, never verdict internals."""
    context, api_key = _context(request)
    bound = authenticate(api_key, context.api_keys)
    if isinstance(bound, FieldError):
        return _refuse(bound, count=False)
    try:
        wanted = UUID(issue_id)
    except ValueError:
        return _refuse(
            FieldError(ErrorCode.INVALID_FIELD, "issue_id", "issue_id: must be a UUID"),
            count=False,
        )
    async with context.engine.connect() as conn:
        view = await view_for(conn, wanted, bound)
    if view is None:
        return _refuse(
            FieldError(
                ErrorCode.ISSUE_NOT_FOUND,
                "issue_id",
                f"issue_id: no issue {wanted} for this API key",
            ),
            count=False,
        )
    return JSONResponse(view.as_json())


async def _store(context: HttpContext, event: CrmEvent, now: datetime) -> Stored | Duplicate:
    """One transaction: issue + RECEIVED event + outbox row; transient failures retried."""
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            result = await _store_once(context, event, now)
        except Exception as exc:
            if not is_transient(exc):
                raise
            if attempt == STORE_ATTEMPTS:
                raise RetryableError(f"database unavailable: {exc!r}") from exc
            await asyncio.sleep(0.05 * attempt)
            continue
        if isinstance(result, Stored):
            context.on_commit()
        return result
    raise AssertionError("unreachable")


async def _store_once(context: HttpContext, event: CrmEvent, now: datetime) -> Stored | Duplicate:
    # Most submissions are new: written with the other new submissions of the moment in
    # one statement, atomic and durable on its own (`GroupCommit`), instead of the full
    # decision, which runs (duplicate or recurrence, SPEC §2) in a transaction only when
    # a claim is taken.
    row = context.intake.new_issue(event, now=now, ingress="http")
    stored = await context.group_commit.store_new(row)
    if stored is not None:
        return stored
    async with context.engine.begin() as conn:
        outbox = OutboxWriter(conn)
        result = await context.intake.store(
            conn, outbox, event, now=now, ingress="http", cause=None
        )
        await outbox.flush()
    return result


def _answer(result: Stored | Duplicate) -> JSONResponse:
    if isinstance(result, Stored):
        outcome = "recurrence" if result.recurrence_of else "accepted"
        SUBMISSIONS.labels("http", outcome).inc()
        body: dict[str, Any] = {
            "event_id": str(result.event_id),
            "issue_id": str(result.issue_id),
            "status": result.status.value,
            "is_duplicate": False,
        }
        if result.recurrence_of is not None:
            body["recurrence_of"] = str(result.recurrence_of)
        return JSONResponse(body, status_code=201)
    SUBMISSIONS.labels("http", "duplicate").inc()
    return JSONResponse(
        {
            "event_id": str(result.event_id),
            "issue_id": str(result.issue_id),
            "status": result.status.value,
            "is_duplicate": True,
            "duplicate_reason": result.reason.value,
            "code": ErrorCode.DUPLICATE_EVENT.value,
        },
        status_code=200,
    )


def _refuse(
    error: FieldError,
    *,
    errors: tuple[FieldError, ...] = (),
    status: int | None = None,
    headers: dict[str, str] | None = None,
    count: bool = True,
) -> JSONResponse:
    if count:
        SUBMISSIONS.labels("http", error.error_code.value).inc()
    body: dict[str, Any] = error.as_json()
    if errors:
        body["errors"] = [e.as_json() for e in errors]
    return JSONResponse(body, status_code=status or http_status(error), headers=headers)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to exceed `limit` (never read it whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")

"""The founders' JSON API (ARCHITECTURE.md "Outside interfaces": Console).

Every route needs `Authorization: Bearer <founder token>` (401 otherwise) and answers
202 `{"event_id"}` once the FounderDecision (or GovernanceSignal) is acknowledged by
the broker, or `{"error_code", "rule"|"field", "message"}`:

| status | error_code | when |
|---|---|---|
| 401 | UNAUTHORIZED | no bearer token, or not a founder's |
| 404 | CONTRACT_NOT_FOUND | the lifecycle view has no such contract |
| 409 | RULE_VIOLATION | state rules: REVIEW-001, REVIEW-CLARIFICATION-PENDING, … (domain.checks) |
| 422 | RULE_VIOLATION | REVIEW-002 (reason ≤ 10 characters), REVIEW-003 (window) |
| 422 | INVALID_FIELD | a malformed id or body field |
| 503 | NOT_READY / UNAVAILABLE | the view is loading / the broker did not take the message |

`GET /api/v1/capabilities` (same token) answers 200 `{"as_of", "capabilities": [...]}`:
each capability's effective state, the part that decided it and every part with its
source (PART2-005; domain.capability_state), or 503 NOT_READY while the views load.

The contract authority re-checks every decision; its refusals arrive as DECISION_REFUSED
notifications (shown in the web console).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Generic
from uuid import UUID

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse

from govmesh.console.domain.auth import api_session_id, bearer_token, founder_for
from govmesh.console.domain.checks import ReviewRequest
from govmesh.console.domain.refusals import ErrorCode, Refusal, invalid_field
from govmesh.console.entrypoints.deps import (
    AcknowledgeIncidentBody,
    ApproveBody,
    B,
    CancelJobBody,
    ClarifyBody,
    ConsoleContext,
    Context,
    FreezeBody,
    ModifyBody,
    RejectBody,
    ResolveAuditBody,
    parse_body,
    parse_uuid,
)
from govmesh.console.service_layer.actions import NOT_READY, Submitted
from govmesh.schemas import FounderAction

router = APIRouter(prefix="/api/v1")

Authorization = Annotated[str | None, Header()]

#: Scope names are capability names in upper case (conventions), as in the registry.
_SCOPE = re.compile(r"^[A-Z0-9_.\-]{1,100}$")

UNAUTHORIZED = Refusal(
    401,
    ErrorCode.UNAUTHORIZED,
    "a founder token is required: Authorization: Bearer <founder token>",
    field="Authorization",
)


def _founder(ctx: ConsoleContext, authorization: str | None) -> tuple[str, str] | None:
    token = bearer_token(authorization)
    founder = founder_for(token, ctx.founders)
    if token is None or founder is None:
        return None
    return founder, api_session_id(token)


@dataclass(frozen=True)
class _Call(Generic[B]):
    """An authenticated API call on one object: who, the object's id, the parsed body."""

    founder: str
    session_id: str
    object_id: UUID
    body: B


async def _call(
    request: Request,
    ctx: ConsoleContext,
    authorization: str | None,
    raw_id: str,
    field: str,
    model: type[B],
) -> _Call[B] | JSONResponse:
    """The founder (401 otherwise), `raw_id` as a UUID and the body as `model` (422)."""
    who = _founder(ctx, authorization)
    if who is None:
        return answer(UNAUTHORIZED)
    object_id = parse_uuid(raw_id, field)
    if isinstance(object_id, Refusal):
        return answer(object_id)
    body = parse_body(model, await request.body())
    if isinstance(body, Refusal):
        return answer(body)
    return _Call(*who, object_id, body)


def answer(result: Submitted | Refusal) -> JSONResponse:
    """202 with the event id, or the refusal's status and body."""
    if isinstance(result, Submitted):
        return JSONResponse({"event_id": str(result.event_id)}, status_code=202)
    headers = {"WWW-Authenticate": "Bearer"} if result.status == 401 else None
    return JSONResponse(result.as_json(), status_code=result.status, headers=headers)


async def _review(
    request: Request,
    ctx: ConsoleContext,
    authorization: str | None,
    contract_id: str,
    action: FounderAction,
) -> JSONResponse:
    who = _founder(ctx, authorization)
    if who is None:
        return answer(UNAUTHORIZED)
    founder, session_id = who
    cid = parse_uuid(contract_id, "contract_id")
    if isinstance(cid, Refusal):
        return answer(cid)
    raw = await request.body()
    req: ReviewRequest | Refusal
    changes = None
    if action == FounderAction.APPROVE:
        approve = parse_body(ApproveBody, raw)
        if isinstance(approve, Refusal):
            return answer(approve)
        req = ReviewRequest(
            action,
            founder,
            window_start=approve.activation_window_start,
            window_end=approve.activation_window_end,
        )
    elif action == FounderAction.REJECT:
        reject = parse_body(RejectBody, raw)
        if isinstance(reject, Refusal):
            return answer(reject)
        req = ReviewRequest(action, founder, reason=reject.reason)
    elif action == FounderAction.REQUEST_CLARIFICATION:
        clarify = parse_body(ClarifyBody, raw)
        if isinstance(clarify, Refusal):
            return answer(clarify)
        req = ReviewRequest(action, founder, request=clarify.request)
    else:
        modify = parse_body(ModifyBody, raw)
        if isinstance(modify, Refusal):
            return answer(modify)
        req = ReviewRequest(action, founder)
        changes = modify.proposed_changes
    return answer(await ctx.console.review(cid, req, session_id, changes))


@router.get("/capabilities")
async def capabilities(ctx: Context, authorization: Authorization = None) -> JSONResponse:
    """Each capability's effective state (health > lifecycle > qualifier), parts with sources."""
    if _founder(ctx, authorization) is None:
        return answer(UNAUTHORIZED)
    if not ctx.console.ready():
        return answer(NOT_READY)
    now = ctx.console.now()
    states = ctx.console.capabilities(now)
    return JSONResponse({"as_of": now.isoformat(), "capabilities": [s.as_json() for s in states]})


@router.post("/contracts/{contract_id}/approve")
async def approve(
    contract_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """APPROVE (optional activation_window_start / _end; REVIEW-003)."""
    return await _review(request, ctx, authorization, contract_id, FounderAction.APPROVE)


@router.post("/contracts/{contract_id}/reject")
async def reject(
    contract_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """REJECT with `reason` longer than 10 characters (REVIEW-002)."""
    return await _review(request, ctx, authorization, contract_id, FounderAction.REJECT)


@router.post("/contracts/{contract_id}/clarify")
async def clarify(
    contract_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """REQUEST_CLARIFICATION with `request` (the contract stays ELIGIBLE, TTL paused)."""
    return await _review(
        request, ctx, authorization, contract_id, FounderAction.REQUEST_CLARIFICATION
    )


@router.post("/contracts/{contract_id}/modify")
async def modify(
    contract_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """MODIFY_SCOPE with new `proposed_changes` (REVIEW-005)."""
    return await _review(request, ctx, authorization, contract_id, FounderAction.MODIFY_SCOPE)


@router.post("/audits/{audit_id}/resolve")
async def resolve_audit(
    audit_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """RESOLVE_AUDIT (INCONCLUSIVE) or ACKNOWLEDGE_AUDIT (FAIL) with `reason`/`context`."""
    call = await _call(request, ctx, authorization, audit_id, "audit_id", ResolveAuditBody)
    if isinstance(call, JSONResponse):
        return call
    body = call.body
    acknowledge = None if body.action is None else body.action == "acknowledge"
    return answer(
        await ctx.console.resolve_audit(
            call.object_id,
            body.contract_id,
            call.founder,
            call.session_id,
            body.reason or body.context,
            acknowledge,
        )
    )


@router.post("/incidents/{incident_id}/acknowledge")
async def acknowledge_incident(
    incident_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """ACKNOWLEDGE_INCIDENT (body: contract_id, optional reason): any incident, once."""
    call = await _call(
        request, ctx, authorization, incident_id, "incident_id", AcknowledgeIncidentBody
    )
    if isinstance(call, JSONResponse):
        return call
    return answer(
        await ctx.console.acknowledge_incident(
            call.object_id, call.body.contract_id, call.founder, call.session_id, call.body.reason
        )
    )


@router.post("/jobs/{job_id}/cancel")
async def cancel_job(
    job_id: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """CANCEL_JOB (body: contract_id, reason); only a PENDING job is cancelled (SPEC §7)."""
    call = await _call(request, ctx, authorization, job_id, "job_id", CancelJobBody)
    if isinstance(call, JSONResponse):
        return call
    return answer(
        await ctx.console.cancel_job(
            call.object_id, call.body.contract_id, call.founder, call.session_id, call.body.reason
        )
    )


@router.post("/capabilities/{name}/freeze")
async def freeze(
    name: str, request: Request, ctx: Context, authorization: Authorization = None
) -> JSONResponse:
    """A FROZEN governance signal on a capability or SYSTEM (ELIG-005); `active: false` lifts it."""
    who = _founder(ctx, authorization)
    if who is None:
        return answer(UNAUTHORIZED)
    scope = name.upper()
    if not _SCOPE.match(scope):
        return answer(invalid_field("name", "name: a capability name (A-Z, 0-9, _ . -)"))
    body = parse_body(FreezeBody, await request.body())
    if isinstance(body, Refusal):
        return answer(body)
    return answer(
        await ctx.console.freeze(
            scope, who[0], body.reason.strip(), active=body.active, expires_at=body.expires_at
        )
    )

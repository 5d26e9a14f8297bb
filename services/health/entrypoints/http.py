"""The health HTTP API (ARCHITECTURE "Outside interfaces", PART2-005).

- `POST /api/v1/alertmanager`: 200 `{received, applied, ignored, published}`; 400 not
  JSON; 401 when webhook tokens are configured and none matches; 413 too large; 422 not
  a version "4" payload; 503 the signals could not be published (Alertmanager retries).
- `PUT /api/v1/health/{scope}`: 200 the scope's new value; 401 no or unknown ops token;
  403 a founder token; 400 not a JSON object; 422 bad scope or field.
- `DELETE /api/v1/health/{scope}`: 200 the value without the override; 401/403 as PUT;
  404 no active override.
- `GET /api/v1/health`: 200 `{heartbeat_s, scopes: [...]}`, each scope with status,
  source, reason, alerts, override, observed_at and valid_until of its last signal.
- `GET /api/v1/health/{scope}`: 200 one scope as above; 404 a scope not published.

Refusals are `{error_code, field, message}`.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import structlog
from aiokafka.errors import KafkaError
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from govmesh.health import metrics
from govmesh.health.domain import (
    AlertmanagerPayload,
    ErrorCode,
    Firing,
    Ignored,
    Refusal,
    authenticate,
    decide_override,
    normalize_scope,
    parse_body,
)
from govmesh.health.domain.auth import AUTH_FIELD
from govmesh.health.domain.errors import WHOLE_DOCUMENT
from govmesh.health.entrypoints.deps import Authorization, Context, HttpContext
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.http import ReadinessCheck, base_app

log = structlog.get_logger(__name__)

router = APIRouter()

_STATUS = {
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.SCHEMA_VALIDATION_FAILED: 400,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.OVERRIDE_NOT_FOUND: 404,
    ErrorCode.PUBLISH_FAILED: 503,
}


def http_status(refusal: Refusal) -> int:
    """The HTTP status of a refusal (the table in the module docstring)."""
    return _STATUS.get(refusal.error_code, 422)


def create_app(context: HttpContext, checks: dict[str, ReadinessCheck], lifespan: Any) -> FastAPI:
    """The health app on the shared base (/healthz, /readyz, /metrics)."""
    app = base_app("govmesh health", checks, lifespan=lifespan)
    app.state.health = context
    app.include_router(router)
    return app


@router.post("/api/v1/alertmanager")
async def alertmanager(
    request: Request, context: Context, authorization: Authorization = None
) -> JSONResponse:
    """Receive one Alertmanager notification (webhook_config, payload version "4")."""
    if context.alertmanager_tokens and not _webhook_token_ok(context, authorization):
        return _refuse(
            Refusal(
                ErrorCode.UNAUTHORIZED,
                AUTH_FIELD,
                "the webhook requires 'Authorization: Bearer <token>' "
                "(Alertmanager http_config.authorization)",
            ),
            metrics.WEBHOOKS,
        )
    raw = await _json_body(request, context.max_body_bytes)
    if isinstance(raw, Refusal):
        return _refuse(raw, metrics.WEBHOOKS)
    try:
        payload = AlertmanagerPayload.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or WHOLE_DOCUMENT
        return _refuse(
            Refusal(
                ErrorCode.INVALID_FIELD,
                where,
                f"{where}: {first['msg']} (expected an Alertmanager webhook payload, version 4)",
            ),
            metrics.WEBHOOKS,
        )
    try:
        outcome = await context.service.receive(payload)
    except (RetryableError, KafkaError) as exc:
        log.warning("health.webhook_publish_failed", error=repr(exc))
        return _refuse(_publish_failed(), metrics.WEBHOOKS)
    if outcome.truncated_alerts:
        log.warning("health.alerts_truncated", truncated=outcome.truncated_alerts)
    metrics.WEBHOOKS.labels("accepted").inc()
    return JSONResponse(
        {
            "received": len(outcome.observations),
            "applied": [
                {"fingerprint": o.fingerprint, "scope": o.scope, "alertname": o.alertname}
                | ({"note": o.note} if isinstance(o, Firing) and o.note else {})
                for o in outcome.observations
                if not isinstance(o, Ignored)
            ],
            "ignored": [
                {"fingerprint": o.fingerprint, "alertname": o.alertname, "reason": o.reason}
                for o in outcome.ignored
            ],
            "published": list(outcome.published),
            "truncated_alerts": outcome.truncated_alerts,
        }
    )


@router.put("/api/v1/health/{scope}")
async def put_override(
    scope: str, request: Request, context: Context, authorization: Authorization = None
) -> JSONResponse:
    """Set a manual override of one scope (ops token; wins until it expires)."""
    operator = authenticate(authorization, context.ops_tokens, context.founder_tokens)
    if isinstance(operator, Refusal):
        return _refuse(operator, metrics.OVERRIDES)
    name = _scope(scope)
    if isinstance(name, Refusal):
        return _refuse(name, metrics.OVERRIDES)
    raw = await _json_body(request, context.max_body_bytes)
    if isinstance(raw, Refusal):
        return _refuse(raw, metrics.OVERRIDES)
    body = parse_body(raw)
    if isinstance(body, Refusal):
        return _refuse(body, metrics.OVERRIDES)
    service = context.service
    override = decide_override(name, body, operator, service.clock(), service.override_max)
    if isinstance(override, Refusal):
        return _refuse(override, metrics.OVERRIDES)
    try:
        await service.set_override(override)
    except (RetryableError, KafkaError) as exc:
        log.warning("health.override_publish_failed", scope=name, error=repr(exc))
        return _refuse(_publish_failed(), metrics.OVERRIDES)
    log.info("health.override_set", scope=name, operator=operator, status=override.status)
    metrics.OVERRIDES.labels("set").inc()
    return JSONResponse(_one(context, name))


@router.delete("/api/v1/health/{scope}")
async def delete_override(
    scope: str, context: Context, authorization: Authorization = None
) -> JSONResponse:
    """Clear a scope's override before it expires (ops token)."""
    operator = authenticate(authorization, context.ops_tokens, context.founder_tokens)
    if isinstance(operator, Refusal):
        return _refuse(operator, metrics.OVERRIDES)
    name = _scope(scope)
    if isinstance(name, Refusal):
        return _refuse(name, metrics.OVERRIDES)
    try:
        cleared = await context.service.clear_override(name)
    except (RetryableError, KafkaError) as exc:
        log.warning("health.override_publish_failed", scope=name, error=repr(exc))
        return _refuse(_publish_failed(), metrics.OVERRIDES)
    if cleared is None:
        return _refuse(
            Refusal(ErrorCode.OVERRIDE_NOT_FOUND, "scope", f"scope: {name} has no active override"),
            metrics.OVERRIDES,
        )
    log.info("health.override_cleared", scope=name, operator=operator)
    metrics.OVERRIDES.labels("cleared").inc()
    return JSONResponse(_one(context, name))


@router.get("/api/v1/health")
async def current(context: Context) -> JSONResponse:
    """Every published scope with its value and the source of that value."""
    return JSONResponse(
        {"heartbeat_s": context.service.heartbeat.total_seconds(), "scopes": context.service.view()}
    )


@router.get("/api/v1/health/{scope}")
async def current_scope(scope: str, context: Context) -> JSONResponse:
    """One scope's value and source."""
    name = normalize_scope(scope)
    row = _one(context, name) if name else None
    if row is None:
        return _refuse(
            Refusal(ErrorCode.INVALID_SCOPE, "scope", f"scope: {scope!r} is not published"),
            status=404,
        )
    return JSONResponse(row)


def _one(context: HttpContext, scope: str) -> dict[str, object] | None:
    return next((row for row in context.service.view() if row["scope"] == scope), None)


def _scope(raw: str) -> str | Refusal:
    name = normalize_scope(raw)
    if name is None:
        return Refusal(
            ErrorCode.INVALID_SCOPE,
            "scope",
            f"scope: {raw!r} is neither SYSTEM nor a capability name (A-Z, 0-9, _)",
        )
    return name


def _webhook_token_ok(context: HttpContext, authorization: str | None) -> bool:
    outcome = authenticate(authorization, context.alertmanager_tokens, {})
    return not isinstance(outcome, Refusal)


def _publish_failed() -> Refusal:
    return Refusal(
        ErrorCode.PUBLISH_FAILED,
        WHOLE_DOCUMENT,
        "recorded, but health.signals could not be published yet; retry (the heartbeat "
        "also republishes)",
    )


def _refuse(refusal: Refusal, counter: Any = None, *, status: int | None = None) -> JSONResponse:
    if counter is not None:
        counter.labels(refusal.error_code.value).inc()
    return JSONResponse(refusal.as_json(), status_code=status or http_status(refusal))


async def _json_body(request: Request, limit: int) -> object | Refusal:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return _too_large(limit)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return _too_large(limit)
    try:
        parsed: object = json.loads(body, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        return Refusal(
            ErrorCode.SCHEMA_VALIDATION_FAILED,
            WHOLE_DOCUMENT,
            f"the request body is not valid JSON: {exc}",
        )
    return parsed


def _too_large(limit: int) -> Refusal:
    return Refusal(
        ErrorCode.PAYLOAD_TOO_LARGE, WHOLE_DOCUMENT, f"the body is larger than {limit} bytes"
    )


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")

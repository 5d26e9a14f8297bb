"""The founders' web console: server-rendered pages, a session cookie and CSRF tokens.

Login exchanges a founder token for a signed session cookie. Every form that acts
carries the session's CSRF token; a POST without it (or with another session's) is
refused with 403 before anything is read. Actions go through the same `Console` use
cases as the JSON API; a refusal re-renders the page with the rule it breaks, a
submission redirects to the contract, which shows the decision as "submitted" and
refreshes itself until the lifecycle view reflects it.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import TypeAdapter, ValidationError

from govmesh.console.adapters.contracts_api import (
    ContractsApiUnavailable,
    list_incidents,
    standing_audit_id,
)
from govmesh.console.domain.auth import founder_for
from govmesh.console.domain.checks import ReviewRequest
from govmesh.console.domain.health import effective_health
from govmesh.console.domain.ledger import state_of
from govmesh.console.domain.refusals import ErrorCode, Refusal, invalid_field
from govmesh.console.entrypoints.deps import TEXT_LIMIT, ConsoleContext, Context
from govmesh.console.entrypoints.sessions import (
    COOKIE,
    CSRF_FIELD,
    Session,
    new_session_id,
)
from govmesh.console.metrics import LOGINS
from govmesh.console.service_layer.actions import Submitted
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractStatus,
    FounderAction,
    ProposedChanges,
)
from govmesh.schemas.changes import change_target

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

_CHANGES: TypeAdapter[ProposedChanges] = TypeAdapter(ProposedChanges)

ACTIONS = {
    "approve": FounderAction.APPROVE,
    "reject": FounderAction.REJECT,
    "clarify": FounderAction.REQUEST_CLARIFICATION,
    "modify": FounderAction.MODIFY_SCOPE,
}

router = APIRouter(include_in_schema=False)


def _format_dt(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _pretty(value: Any) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        value = [v.model_dump(mode="json") if hasattr(v, "model_dump") else v for v in value]
    return json.dumps(value, indent=2, sort_keys=True, default=str)


def templates() -> Jinja2Templates:
    """The Jinja2 environment (autoescaped) the pages render with."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
    )
    env.filters["dt"] = _format_dt
    env.filters["pretty"] = _pretty
    return Jinja2Templates(env=env)


PAGES = templates()


def _ctx(request: Request) -> ConsoleContext:
    ctx: ConsoleContext = request.app.state.console
    return ctx


def current_session(request: Request, ctx: ConsoleContext) -> Session | None:
    """The session the request's cookie proves, if any."""
    return ctx.sessions.read(request.cookies.get(COOKIE), ctx.founder_names)


def _render(
    request: Request,
    name: str,
    session: Session | None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    ctx = _ctx(request)
    now = ctx.console.now()
    base = {
        "session": session,
        "csrf_token": ctx.sessions.csrf_token(session) if session else "",
        "csrf_field": CSRF_FIELD,
        "system_health": effective_health(ctx.console.views.health.get(SYSTEM_SCOPE), now),
        "contracts_url": ctx.contracts_url,
        "now": now,
    }
    return PAGES.TemplateResponse(request, name, {**base, **values}, status_code=status_code)


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


def _forbidden(request: Request, session: Session | None) -> HTMLResponse:
    refusal = Refusal(
        403,
        ErrorCode.CSRF_FAILED,
        "the form's CSRF token is missing or not this session's; reload the page and retry",
        field=CSRF_FIELD,
    )
    return _render(request, "error.html", session, status_code=403, refusal=refusal)


async def _posted(request: Request, ctx: ConsoleContext) -> tuple[Session, Any] | Response:
    """The session and form of a POST, or the login redirect / 403 when either fails."""
    session = current_session(request, ctx)
    if session is None:
        return _to_login()
    form = await request.form()
    if not ctx.sessions.check_csrf(session, _field(form, CSRF_FIELD)):
        return _forbidden(request, session)
    return session, form


@router.get("/")
async def index() -> RedirectResponse:
    return RedirectResponse("/contracts", status_code=303)


@router.get("/login")
async def login_page(request: Request, ctx: Context) -> Response:
    if current_session(request, ctx) is not None:
        return RedirectResponse("/contracts", status_code=303)
    return _render(request, "login.html", None)


@router.post("/login")
async def login(request: Request, ctx: Context) -> Response:
    """Exchange a founder token for a session cookie."""
    form = await request.form()
    token = form.get("token")
    founder = founder_for(token.strip() if isinstance(token, str) else None, ctx.founders)
    if founder is None:
        LOGINS.labels("refused").inc()
        return _render(
            request, "login.html", None, status_code=401, error="That is not a founder token."
        )
    LOGINS.labels("ok").inc()
    response = RedirectResponse("/contracts", status_code=303)
    response.set_cookie(
        COOKIE,
        ctx.sessions.issue(Session(founder, new_session_id())),
        max_age=ctx.sessions.max_age_s,
        httponly=True,
        samesite="strict",
        secure=ctx.secure_cookies,
    )
    return response


@router.post("/logout")
async def logout(request: Request, ctx: Context) -> Response:
    posted = await _posted(request, ctx)
    if isinstance(posted, Response):
        return posted
    response = _to_login()
    response.delete_cookie(COOKIE, httponly=True, samesite="strict", secure=ctx.secure_cookies)
    return response


@router.get("/contracts")
async def contract_list(request: Request, ctx: Context, status: str | None = None) -> Response:
    session = current_session(request, ctx)
    if session is None:
        return _to_login()
    wanted = status if status in ContractStatus.__members__ else None
    contracts = sorted(
        (
            c
            for c in ctx.console.views.contracts.values()
            if wanted is None or c.status.value == wanted
        ),
        key=lambda c: c.updated_at,
        reverse=True,
    )
    return _render(
        request,
        "contracts.html",
        session,
        contracts=contracts,
        status=wanted,
        statuses=[s.value for s in ContractStatus],
    )


@router.get("/contracts/{contract_id}")
async def contract_detail(request: Request, contract_id: str, ctx: Context) -> Response:
    session = current_session(request, ctx)
    if session is None:
        return _to_login()
    return _detail(request, ctx, session, contract_id)


def _detail(
    request: Request,
    ctx: ConsoleContext,
    session: Session,
    contract_id: str,
    *,
    refusal: Refusal | None = None,
    form: dict[str, str] | None = None,
    status_code: int | None = None,
) -> HTMLResponse:
    views = ctx.console.views
    try:
        cid = UUID(contract_id)
    except ValueError:
        cid = None
    contract = views.contract(cid) if cid else None
    if cid is None or contract is None:
        missing = Refusal(
            404, ErrorCode.CONTRACT_NOT_FOUND, f"no contract {contract_id}", field="contract_id"
        )
        return _render(request, "error.html", session, status_code=404, refusal=missing)
    notes = views.notifications(cid)
    submissions = [
        (s, state_of(s, contract, notes)) for s in reversed(ctx.console.ledger.for_contract(cid))
    ]
    targets = list(contract.affected_capabilities)
    targets += [change_target(c) for c in contract.proposed_changes or []]
    capabilities = [(name, views.registry.get(name)) for name in dict.fromkeys(targets)]
    pending = any(state.value == "submitted" for _, state in submissions)
    return _render(
        request,
        "contract.html",
        session,
        status_code=status_code or (refusal.status if refusal else 200),
        contract=contract,
        history=views.history(cid),
        notifications=notes,
        submissions=submissions,
        capabilities=capabilities,
        refusal=refusal,
        form=form or {},
        changes_json=_pretty(contract.proposed_changes or []),
        refresh=pending,
        submitted=request.query_params.get("submitted"),
    )


@router.post("/contracts/{contract_id}/audit")
async def audit_review(request: Request, contract_id: str, ctx: Context) -> Response:
    """RESOLVE_AUDIT (INCONCLUSIVE, with context) or ACKNOWLEDGE_AUDIT (FAIL), SPEC §8.

    The form names the contract; its job's standing audit is looked up in the contracts
    read API, and contracts judges the decision again (AUDIT-004, AUDIT-CONTEXT).
    """
    posted = await _posted(request, ctx)
    if isinstance(posted, Response):
        return posted
    session, raw = posted
    form = {k: v for k, v in raw.items() if isinstance(v, str) and k != CSRF_FIELD}
    context = form.get("context", "")
    contract = None
    with contextlib.suppress(ValueError):
        contract = ctx.console.views.contract(UUID(contract_id))
    if contract is None or contract.job_id is None:
        return _detail(request, ctx, session, contract_id)
    if len(context) > TEXT_LIMIT:
        refusal = invalid_field("context", f"context: at most {TEXT_LIMIT} characters")
        return _detail(request, ctx, session, contract_id, refusal=refusal, form=form)
    try:
        audit_id = await standing_audit_id(ctx.contracts_url, contract.job_id)
    except ContractsApiUnavailable as exc:
        refusal = Refusal(503, ErrorCode.UNAVAILABLE, str(exc))
        return _detail(request, ctx, session, contract_id, refusal=refusal, form=form)
    result = await ctx.console.resolve_audit(
        audit_id,
        contract.contract_id,
        session.founder,
        session.session_id,
        context,
        form.get("do") == "acknowledge",
    )
    if isinstance(result, Submitted):
        return RedirectResponse(
            f"/contracts/{contract.contract_id}?submitted={result.event_id}", status_code=303
        )
    return _detail(request, ctx, session, contract_id, refusal=result, form=form)


@router.post("/contracts/{contract_id}/{verb}")
async def contract_action(request: Request, contract_id: str, verb: str, ctx: Context) -> Response:
    """approve | reject | clarify | modify from the contract page's forms."""
    posted = await _posted(request, ctx)
    if isinstance(posted, Response):
        return posted
    session, raw = posted
    action = ACTIONS.get(verb)
    if action is None:
        return _render(
            request,
            "error.html",
            session,
            status_code=404,
            refusal=invalid_field("action", f"unknown action {verb!r}"),
        )
    form = {k: v for k, v in raw.items() if isinstance(v, str) and k != CSRF_FIELD}
    try:
        cid = UUID(contract_id)
    except ValueError:
        return _detail(request, ctx, session, contract_id)
    parsed = _review_request(action, session.founder, form)
    if isinstance(parsed, Refusal):
        return _detail(request, ctx, session, contract_id, refusal=parsed, form=form)
    req, changes = parsed
    result = await ctx.console.review(cid, req, session.session_id, changes)
    if isinstance(result, Submitted):
        return RedirectResponse(f"/contracts/{cid}?submitted={result.event_id}", status_code=303)
    return _detail(request, ctx, session, contract_id, refusal=result, form=form)


def _review_request(
    action: FounderAction, founder: str, form: dict[str, str]
) -> tuple[ReviewRequest, ProposedChanges | None] | Refusal:
    for name in ("reason", "request"):
        if len(form.get(name, "")) > TEXT_LIMIT:
            return invalid_field(name, f"{name}: at most {TEXT_LIMIT} characters")
    if action == FounderAction.APPROVE:
        start = _form_time(form, "activation_window_start")
        end = _form_time(form, "activation_window_end")
        for value in (start, end):
            if isinstance(value, Refusal):
                return value
        assert not isinstance(start, Refusal)
        assert not isinstance(end, Refusal)
        return ReviewRequest(action, founder, window_start=start, window_end=end), None
    if action == FounderAction.REJECT:
        return ReviewRequest(action, founder, reason=form.get("reason", "")), None
    if action == FounderAction.REQUEST_CLARIFICATION:
        return ReviewRequest(action, founder, request=form.get("request", "")), None
    try:
        changes = _CHANGES.validate_json(form.get("proposed_changes", ""))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return invalid_field(
            "proposed_changes", f"proposed_changes{'.' + where if where else ''}: {first['msg']}"
        )
    return ReviewRequest(action, founder), changes


def _form_time(form: dict[str, str], name: str) -> datetime | Refusal | None:
    """A `datetime-local` value, read as UTC (the form says so), or an ISO time with offset."""
    value = form.get(name, "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return invalid_field(name, f"{name}: not a date and time ({value!r})")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("/capabilities")
async def capabilities(request: Request, ctx: Context) -> Response:
    """Each capability's effective state and its parts with their sources (PART2-005)."""
    session = current_session(request, ctx)
    if session is None:
        return _to_login()
    states = ctx.console.capabilities(ctx.console.now())
    return _render(
        request, "capabilities.html", session, capabilities=states, loading=not ctx.console.ready()
    )


@router.get("/notifications")
async def notifications(request: Request, ctx: Context) -> Response:
    session = current_session(request, ctx)
    if session is None:
        return _to_login()
    notes = ctx.console.views.notifications()
    return _render(request, "notifications.html", session, notifications=notes)


@router.get("/incidents")
async def incidents(request: Request, ctx: Context) -> Response:
    """Every incident from the contracts read API, open ones first, each acknowledgeable."""
    session = current_session(request, ctx)
    if session is None:
        return _to_login()
    return await _incidents_page(request, ctx, session)


@router.post("/incidents/{incident_id}/acknowledge")
async def acknowledge_incident(request: Request, incident_id: str, ctx: Context) -> Response:
    """ACKNOWLEDGE_INCIDENT from the incidents page (contract_id and an optional note)."""
    posted = await _posted(request, ctx)
    if isinstance(posted, Response):
        return posted
    session, raw = posted
    reason = _field(raw, "reason") or None
    try:
        iid, cid = UUID(incident_id), UUID(_field(raw, "contract_id") or "")
    except ValueError:
        refusal = invalid_field("incident_id", "incident_id and contract_id: must be UUIDs")
        return await _incidents_page(request, ctx, session, refusal=refusal, status_code=422)
    if reason is not None and len(reason) > TEXT_LIMIT:
        refusal = invalid_field("reason", f"reason: at most {TEXT_LIMIT} characters")
        return await _incidents_page(request, ctx, session, refusal=refusal, status_code=422)
    result = await ctx.console.acknowledge_incident(
        iid, cid, session.founder, session.session_id, reason
    )
    if isinstance(result, Submitted):
        return RedirectResponse(f"/incidents?submitted={result.event_id}", status_code=303)
    return await _incidents_page(request, ctx, session, refusal=result, status_code=result.status)


async def _incidents_page(
    request: Request,
    ctx: ConsoleContext,
    session: Session,
    *,
    refusal: Refusal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        found, unavailable = await list_incidents(ctx.contracts_url), None
    except ContractsApiUnavailable as exc:
        found, unavailable = [], str(exc)
    return _render(
        request,
        "incidents.html",
        session,
        status_code=status_code,
        incidents=found,
        unavailable=unavailable,
        refusal=refusal,
        submitted=request.query_params.get("submitted"),
    )


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None

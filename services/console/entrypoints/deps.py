"""What the routes use, built by the composition root, and the request-body models."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, cast
from uuid import UUID

from fastapi import Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from govmesh.console.domain.refusals import Refusal, invalid_field
from govmesh.console.entrypoints.sessions import SessionCodec
from govmesh.console.service_layer.actions import Console
from govmesh.schemas import ProposedChanges

TEXT_LIMIT = 4000  # FounderDecision.reason / .request


@dataclass(frozen=True)
class ConsoleContext:
    """`founders` maps bearer tokens to founder names (GOVMESH_FOUNDER_TOKENS)."""

    console: Console
    founders: Mapping[str, str]
    sessions: SessionCodec
    contracts_url: str | None
    secure_cookies: bool

    @property
    def founder_names(self) -> frozenset[str]:
        return frozenset(self.founders.values())


async def _context(request: Request) -> ConsoleContext:
    # async: FastAPI runs a plain `def` dependency in a worker thread, on every request.
    return cast(ConsoleContext, request.app.state.console)


Context = Annotated[ConsoleContext, Depends(_context)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApproveBody(Body):
    activation_window_start: AwareDatetime | None = None
    activation_window_end: AwareDatetime | None = None


class RejectBody(Body):
    reason: str = Field(default="", max_length=TEXT_LIMIT)


class ClarifyBody(Body):
    request: str = Field(default="", max_length=TEXT_LIMIT)


class ModifyBody(Body):
    proposed_changes: ProposedChanges


class ResolveAuditBody(Body):
    contract_id: UUID
    reason: str | None = Field(default=None, max_length=TEXT_LIMIT)
    context: str | None = Field(default=None, max_length=TEXT_LIMIT)
    action: Literal["resolve", "acknowledge"] | None = None


class AcknowledgeIncidentBody(Body):
    contract_id: UUID
    reason: str | None = Field(default=None, max_length=TEXT_LIMIT)


class CancelJobBody(Body):
    contract_id: UUID
    reason: str | None = Field(default=None, max_length=TEXT_LIMIT)


class FreezeBody(Body):
    reason: str = Field(min_length=1, max_length=TEXT_LIMIT)
    expires_at: AwareDatetime | None = None
    active: bool = True


B = TypeVar("B", bound=Body)


def parse_body(model: type[B], raw: bytes) -> B | Refusal:
    """The JSON body as `model`, or a 422 naming the first bad field (empty body = {})."""
    try:
        data: Any = json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return invalid_field("body", f"body: not valid JSON ({exc})")
    return validate(model, data)


def validate(model: type[B], data: Any) -> B | Refusal:
    """`data` as `model`, or a 422 naming the first bad field."""
    if not isinstance(data, dict):
        return invalid_field("body", "body: must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        return invalid_field(field, f"{field}: {first['msg']}")


def parse_uuid(value: str, field: str) -> UUID | Refusal:
    """A path id as a UUID, or a 422 naming the field."""
    try:
        return UUID(value)
    except ValueError:
        return invalid_field(field, f"{field}: must be a UUID")

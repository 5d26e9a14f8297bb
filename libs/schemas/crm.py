"""The CRM event (SPEC §2): the only input from outside, and it carries no authority.

Limits that need no clock live here; the 7-day timestamp window and rate limits are
checked by ingest, which owns the clock.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, field_validator

from govmesh.schemas.common import EventType, Message, Model, Source, SubmitterType

_EXECUTABLE = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed)\b|javascript\s*:|<[^>]*\bon[a-z]+\s*=",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# International (+…) or separated national numbers; bare digit runs are CRM user ids.
_PHONE = re.compile(r"^\+\d[\d\s().\-]{6,18}$|^\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4}$")

#: Field path (dotted) -> the field-level error code SPEC §2 names for it.
FIELD_ERROR_CODES: dict[str, str] = {
    "envelope.event_id": "INVALID_EVENT_ID",
    "envelope.idempotency_key": "INVALID_IDEMPOTENCY_KEY",
    "envelope.event_type": "INVALID_EVENT_TYPE",
    "envelope.source": "INVALID_SOURCE",
    "attribution.source_system": "INVALID_SOURCE_SYSTEM",
    "attribution.source_reference": "INVALID_SOURCE_REF",
    "payload.subject": "INVALID_SUBJECT",
    "payload.body": "INVALID_BODY",
}


class CrmEnvelope(Model):
    event_id: UUID
    schema_version: Literal["1.0.0"]
    event_type: EventType
    source: Source
    source_timestamp: AwareDatetime
    received_at: AwareDatetime | None = None
    idempotency_key: str = Field(min_length=1, max_length=256)


class Attribution(Model):
    source_system: str = Field(min_length=1, max_length=100)
    source_reference: str = Field(min_length=1, max_length=256)
    submitter_type: SubmitterType
    submitter_id: str | None = Field(default=None, min_length=1, max_length=256)
    submitter_context: dict[str, Any] | None = None

    @field_validator("submitter_id")
    @classmethod
    def _not_personal_contact(cls, value: str | None) -> str | None:
        if value is not None and (_EMAIL.match(value) or _PHONE.match(value)):
            raise ValueError("submitter_id must not be an e-mail address or phone number")
        return value


class TenantContext(Model):
    tenant_id: str | None = Field(default=None, max_length=100)
    project_id: str | None = Field(default=None, max_length=100)
    environment: str | None = Field(default=None, max_length=50)


class Attachment(Model):
    type: str = Field(min_length=1, max_length=50)
    reference: str = Field(min_length=1, max_length=1024)
    size_bytes: int = Field(ge=0)


class Payload(Model):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=10_000)
    structured_data: dict[str, Any] | None = None
    tenant_context: TenantContext | None = None
    attachments: list[Attachment] | None = Field(default=None, max_length=20)

    @field_validator("subject", "body")
    @classmethod
    def _no_executable_content(cls, value: str) -> str:
        if _EXECUTABLE.search(value):
            raise ValueError("executable content (such as <script>) is not allowed")
        return value


class Hints(Model):
    """Input-only hints: they may weight confidence, never decide anything."""

    semantics: Literal["NON_AUTHORITATIVE"] = Field(alias="_semantics")
    severity_hint: str | None = Field(default=None, max_length=20)
    capability_hints: list[str] | None = Field(default=None, max_length=20)
    priority_hint: Literal["urgent", "normal", "low"] | None = None
    category_hint: str | None = Field(default=None, max_length=50)


class CrmEvent(Message):
    TYPE = "CrmEvent"
    FIELD_CODES = FIELD_ERROR_CODES

    envelope: CrmEnvelope
    attribution: Attribution
    payload: Payload
    hints: Hints | None = None

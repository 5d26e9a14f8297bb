"""Error codes of SPEC §2 and the refusal a caller sees: `{error_code, field, message}`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    """Every code ingest answers with (SPEC §2), plus the two the HTTP surface needs."""

    SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
    INVALID_FIELD = "INVALID_FIELD"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    RATE_LIMITED = "RATE_LIMITED"
    DUPLICATE_EVENT = "DUPLICATE_EVENT"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    INVALID_EVENT_ID = "INVALID_EVENT_ID"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"
    INVALID_EVENT_TYPE = "INVALID_EVENT_TYPE"
    INVALID_SOURCE = "INVALID_SOURCE"
    INVALID_SOURCE_SYSTEM = "INVALID_SOURCE_SYSTEM"
    INVALID_SOURCE_REF = "INVALID_SOURCE_REF"
    INVALID_SUBJECT = "INVALID_SUBJECT"
    INVALID_BODY = "INVALID_BODY"
    # Not in SPEC §2's list, which covers the event only: who may call, and what exists.
    UNAUTHORIZED = "UNAUTHORIZED"
    ISSUE_NOT_FOUND = "ISSUE_NOT_FOUND"


#: The root of a request or event, for refusals that concern the whole document.
WHOLE_DOCUMENT = "$"


@dataclass(frozen=True)
class FieldError:
    """One refusal: the code, the dotted field path (or `$`), and what to fix."""

    error_code: ErrorCode
    field: str
    message: str

    def as_json(self) -> dict[str, str]:
        """The wire form every govmesh refusal shares."""
        return {"error_code": self.error_code.value, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class Invalid:
    """An event refused by SPEC §2's limits; `errors` is never empty, the first is reported."""

    errors: tuple[FieldError, ...]

    def __post_init__(self) -> None:
        if not self.errors:
            raise ValueError("Invalid needs at least one FieldError")

    @property
    def first(self) -> FieldError:
        """The refusal named in the answer (the earliest field in document order)."""
        return self.errors[0]

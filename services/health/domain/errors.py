"""Refusals the health API answers with: `{error_code, field, message}` (ARCHITECTURE)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    SCHEMA_VALIDATION_FAILED = "SCHEMA_VALIDATION_FAILED"
    INVALID_FIELD = "INVALID_FIELD"
    INVALID_SCOPE = "INVALID_SCOPE"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    OVERRIDE_NOT_FOUND = "OVERRIDE_NOT_FOUND"
    PUBLISH_FAILED = "PUBLISH_FAILED"


#: The root of a request body, for refusals that concern the whole document.
WHOLE_DOCUMENT = "$"


@dataclass(frozen=True)
class Refusal:
    """One refusal: the code, the dotted field (or `$`, or a header name) and what to do."""

    error_code: ErrorCode
    field: str
    message: str

    def as_json(self) -> dict[str, str]:
        """The wire form every govmesh refusal shares."""
        return {"error_code": self.error_code.value, "field": self.field, "message": self.message}

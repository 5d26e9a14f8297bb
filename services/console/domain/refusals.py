"""What the console answers when it refuses a request: status, code, and rule or field."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHORIZED = "UNAUTHORIZED"
    CONTRACT_NOT_FOUND = "CONTRACT_NOT_FOUND"
    RULE_VIOLATION = "RULE_VIOLATION"
    INVALID_FIELD = "INVALID_FIELD"
    NOT_READY = "NOT_READY"
    UNAVAILABLE = "UNAVAILABLE"
    CSRF_FAILED = "CSRF_FAILED"


@dataclass(frozen=True)
class Refusal:
    """A refused request; exactly one of `rule` (a SPEC or contracts rule) or `field` is named.

    Serialised as ARCHITECTURE.md "Outside interfaces" says:
    `{"error_code", "rule"|"field", "message"}`.
    """

    status: int
    error_code: ErrorCode
    message: str
    rule: str | None = None
    field: str | None = None

    def as_json(self) -> dict[str, str | None]:
        """The JSON error body."""
        if self.rule is not None:
            return {"error_code": self.error_code.value, "rule": self.rule, "message": self.message}
        return {"error_code": self.error_code.value, "field": self.field, "message": self.message}

    @property
    def names(self) -> str:
        """The rule, else the field, for display."""
        return self.rule or self.field or self.error_code.value


def rule_violation(status: int, rule: str, message: str) -> Refusal:
    """A refusal naming the rule the request breaks."""
    return Refusal(status, ErrorCode.RULE_VIOLATION, message, rule=rule)


def invalid_field(field: str, message: str) -> Refusal:
    """422: a field of the request is missing or malformed."""
    return Refusal(422, ErrorCode.INVALID_FIELD, message, field=field)


def contract_not_found(contract_id: object) -> Refusal:
    """404: the console's lifecycle view has no such contract."""
    return Refusal(
        404,
        ErrorCode.CONTRACT_NOT_FOUND,
        f"no contract {contract_id}; check the id (contracts.lifecycle has no record of it)",
        field="contract_id",
    )

"""Turning a raw JSON value into a `CrmEvent`, or a precise refusal (SPEC §2).

Structure first: the document must be an object with the parts `envelope`,
`attribution`, `payload` (objects) and optionally `hints` (object or null), and
nothing else; a violation is SCHEMA_VALIDATION_FAILED naming the part. Then every
field limit of the schema model: a field SPEC §2 gives its own code to (see
`FIELD_ERROR_CODES`) answers with that code, any other field with INVALID_FIELD and
the dotted path (e.g. `attribution.submitter_id`, `hints._semantics`). Then every
number must survive canonical JSON (RFC 8785, which signatures and digests are built
on): integers within ±(2^53 - 1), finite floats — else INVALID_FIELD at its path. Last,
the rule that needs the clock: `source_timestamp` within the policy window of `now`.

`envelope.received_at` is set by the system: whatever the caller sent there is
dropped before validation and never stored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from govmesh.ingest.domain.errors import WHOLE_DOCUMENT, ErrorCode, FieldError, Invalid
from govmesh.ingest.domain.policy import IngestPolicy
from govmesh.schemas import FIELD_ERROR_CODES, CrmEvent

REQUIRED_PARTS = ("envelope", "attribution", "payload")
OPTIONAL_PARTS = ("hints",)
_VALUE_ERROR_PREFIX = "Value error, "
_MAX_SAFE = 2**53 - 1


def check_size(size_bytes: int, policy: IngestPolicy) -> FieldError | None:
    """PAYLOAD_TOO_LARGE when one event's JSON exceeds the policy limit."""
    if size_bytes <= policy.max_payload_bytes:
        return None
    return payload_too_large(policy)


def payload_too_large(policy: IngestPolicy) -> FieldError:
    """The PAYLOAD_TOO_LARGE refusal (also for a body cut off before it was read whole)."""
    return FieldError(
        ErrorCode.PAYLOAD_TOO_LARGE,
        WHOLE_DOCUMENT,
        f"the event is larger than {policy.max_payload_bytes} bytes of JSON; "
        "send attachments as references, not content",
    )


def validate_event(raw: object, now: datetime, policy: IngestPolicy) -> CrmEvent | Invalid:
    """Validate a decoded JSON value against every limit of SPEC §2 at time `now`."""
    if not isinstance(raw, Mapping):
        return Invalid(
            (
                FieldError(
                    ErrorCode.SCHEMA_VALIDATION_FAILED,
                    WHOLE_DOCUMENT,
                    "the event must be a JSON object with envelope, attribution and payload",
                ),
            )
        )
    structural = _structure_errors(raw)
    if structural:
        return Invalid(structural)
    cleaned = _without_received_at(raw)
    try:
        event = CrmEvent.model_validate(cleaned)
    except ValidationError as exc:
        return Invalid(tuple(_field_error(detail) for detail in exc.errors()))
    if _has_unrepresentable_number(cleaned):
        return Invalid(tuple(_number_errors(cleaned, "")))
    stale = _timestamp_error(event, now, policy)
    return Invalid((stale,)) if stale else event


def _structure_errors(raw: Mapping[Any, Any]) -> tuple[FieldError, ...]:
    errors: list[FieldError] = []
    for part in REQUIRED_PARTS:
        if part not in raw:
            errors.append(_schema_error(part, f"the required part {part!r} is missing"))
        elif not isinstance(raw[part], Mapping):
            errors.append(_schema_error(part, f"the part {part!r} must be a JSON object"))
    for part in OPTIONAL_PARTS:
        if raw.get(part) is not None and not isinstance(raw[part], Mapping):
            errors.append(_schema_error(part, f"the part {part!r} must be a JSON object or null"))
    known = {*REQUIRED_PARTS, *OPTIONAL_PARTS}
    for name in raw:
        if name not in known:
            errors.append(
                _schema_error(
                    str(name),
                    f"unknown part {name!r}; an event has only envelope, attribution, "
                    "payload and hints",
                )
            )
    return tuple(errors)


def _schema_error(field: str, message: str) -> FieldError:
    return FieldError(ErrorCode.SCHEMA_VALIDATION_FAILED, field, message)


def _without_received_at(raw: Mapping[Any, Any]) -> dict[Any, Any]:
    envelope = {k: v for k, v in raw["envelope"].items() if k != "received_at"}
    return {**raw, "envelope": envelope}


def _field_error(detail: ErrorDetails) -> FieldError:
    path = ".".join(str(part) for part in detail["loc"])
    code = FIELD_ERROR_CODES.get(path)
    message = detail["msg"].removeprefix(_VALUE_ERROR_PREFIX)
    return FieldError(
        ErrorCode(code) if code else ErrorCode.INVALID_FIELD, path, f"{path}: {message}"
    )


def _has_unrepresentable_number(value: object) -> bool:
    """Whether `_number_errors` finds anything, without building a path per value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            continue
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > _MAX_SAFE:
            return True
    return False


def _number_errors(value: object, path: str) -> list[FieldError]:
    if isinstance(value, Mapping):
        return [e for k, v in value.items() for e in _number_errors(v, _join(path, k))]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _number_errors(v, _join(path, i))]
    too_big = isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE
    not_finite = isinstance(value, float) and not math.isfinite(value)
    if too_big or not_finite:
        return [
            FieldError(
                ErrorCode.INVALID_FIELD,
                path,
                f"{path}: {value!r} is not representable in canonical JSON "
                f"(integers up to ±{_MAX_SAFE}, finite numbers only)",
            )
        ]
    return []


def _join(path: str, part: object) -> str:
    return f"{path}.{part}" if path else str(part)


def _timestamp_error(event: CrmEvent, now: datetime, policy: IngestPolicy) -> FieldError | None:
    stamp = event.envelope.source_timestamp
    if abs(now - stamp) <= policy.timestamp_window:
        return None
    side = "older" if stamp < now else "further in the future"
    days = policy.timestamp_window.total_seconds() / 86_400
    return FieldError(
        ErrorCode.INVALID_FIELD,
        "envelope.source_timestamp",
        f"envelope.source_timestamp: {stamp.isoformat()} is {side} than {days:g} days "
        f"from the time of receipt ({now.isoformat()})",
    )

"""SPEC §2 limits: every field rule and error code, with the field path named."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from govmesh.ingest.domain import (
    WHOLE_DOCUMENT,
    ErrorCode,
    IngestPolicy,
    Invalid,
    check_size,
    validate_event,
)
from govmesh.schemas import FIELD_ERROR_CODES, CrmEvent
from tests.unit.ingest.factories import NOW, raw_event, with_field

pytestmark = pytest.mark.unit

POLICY = IngestPolicy()


def refused(raw: object) -> Invalid:
    result = validate_event(raw, NOW, POLICY)
    assert isinstance(result, Invalid), f"expected a refusal, got {result!r}"
    return result


def test_valid_event_is_accepted_with_every_optional_part() -> None:
    event = validate_event(raw_event(), NOW, POLICY)
    assert isinstance(event, CrmEvent)
    assert event.hints is not None
    assert event.hints.semantics == "NON_AUTHORITATIVE"
    assert event.payload.attachments is not None


def test_valid_event_without_optional_parts_is_accepted() -> None:
    raw = with_field(raw_event(), "hints")
    for path in ("attribution.submitter_id", "payload.structured_data", "payload.attachments"):
        raw = with_field(raw, path)
    assert isinstance(validate_event(raw, NOW, POLICY), CrmEvent)
    assert isinstance(validate_event(with_field(raw_event(), "hints", None), NOW, POLICY), CrmEvent)


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        ("envelope.event_id", "not-a-uuid", "INVALID_EVENT_ID"),
        ("envelope.idempotency_key", "", "INVALID_IDEMPOTENCY_KEY"),
        ("envelope.idempotency_key", "k" * 257, "INVALID_IDEMPOTENCY_KEY"),
        ("envelope.event_type", "complaint", "INVALID_EVENT_TYPE"),
        ("envelope.source", "email", "INVALID_SOURCE"),
        ("attribution.source_system", "", "INVALID_SOURCE_SYSTEM"),
        ("attribution.source_system", "s" * 101, "INVALID_SOURCE_SYSTEM"),
        ("attribution.source_reference", "", "INVALID_SOURCE_REF"),
        ("attribution.source_reference", "r" * 257, "INVALID_SOURCE_REF"),
        ("payload.subject", "", "INVALID_SUBJECT"),
        ("payload.subject", "s" * 201, "INVALID_SUBJECT"),
        ("payload.body", "", "INVALID_BODY"),
        ("payload.body", "b" * 10_001, "INVALID_BODY"),
        ("payload.body", "hello <script>alert(1)</script>", "INVALID_BODY"),
        ("payload.body", "click javascript:void(0)", "INVALID_BODY"),
    ],
)
def test_field_with_its_own_code_is_refused_with_that_code(
    path: str, value: Any, code: str
) -> None:
    result = refused(with_field(raw_event(), path, value))
    assert result.first.error_code == ErrorCode(code)
    assert result.first.field == path
    assert path in result.first.message


@pytest.mark.parametrize("path", sorted(FIELD_ERROR_CODES))
def test_missing_field_with_its_own_code_is_refused_with_that_code(path: str) -> None:
    result = refused(with_field(raw_event(), path))
    assert result.first.error_code == ErrorCode(FIELD_ERROR_CODES[path])
    assert result.first.field == path
    assert "required" in result.first.message.lower()


def test_every_field_code_of_the_schema_is_an_ingest_error_code() -> None:
    assert {ErrorCode(code) for code in FIELD_ERROR_CODES.values()} == {
        ErrorCode.INVALID_EVENT_ID,
        ErrorCode.INVALID_IDEMPOTENCY_KEY,
        ErrorCode.INVALID_EVENT_TYPE,
        ErrorCode.INVALID_SOURCE,
        ErrorCode.INVALID_SOURCE_SYSTEM,
        ErrorCode.INVALID_SOURCE_REF,
        ErrorCode.INVALID_SUBJECT,
        ErrorCode.INVALID_BODY,
    }


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("attribution.submitter_id", "jane.doe@example.com"),
        ("attribution.submitter_id", "+49 30 1234567"),
        ("attribution.submitter_type", "robot"),
        ("hints._semantics", "AUTHORITATIVE"),
        ("hints.priority_hint", "asap"),
        ("envelope.schema_version", "2.0.0"),
        ("envelope.source_timestamp", "yesterday"),
        ("envelope.source_timestamp", "2025-03-14T11:00:00"),
        ("payload.subject", "<iframe src=x>"),
        ("payload.tenant_context.environment", "e" * 51),
        ("payload.attachments.0.size_bytes", -1),
        ("payload.structured_data", ["not", "an", "object"]),
        ("payload.unexpected", "x"),
    ],
)
def test_other_field_is_refused_as_INVALID_FIELD_with_its_dotted_path(
    path: str, value: Any
) -> None:
    result = refused(with_field(raw_event(), path, value))
    expected = ErrorCode.INVALID_SUBJECT if path == "payload.subject" else ErrorCode.INVALID_FIELD
    assert result.first.error_code == expected
    assert result.first.field == path
    assert result.first.message.startswith(f"{path}: ")


def test_INVALID_FIELD_submitter_id_message_says_no_email_or_phone() -> None:
    result = refused(with_field(raw_event(), "attribution.submitter_id", "a@b.example"))
    assert "e-mail address or phone number" in result.first.message
    assert not result.first.message.startswith("attribution.submitter_id: Value error")


def test_INVALID_FIELD_hints_semantics_missing_names_the_alias() -> None:
    result = refused(with_field(raw_event(), "hints._semantics"))
    assert (result.first.error_code, result.first.field) == (
        ErrorCode.INVALID_FIELD,
        "hints._semantics",
    )


@pytest.mark.parametrize(
    "offset",
    [timedelta(days=7, seconds=1), timedelta(days=30), -timedelta(days=7, seconds=1)],
)
def test_INVALID_FIELD_source_timestamp_outside_seven_days(offset: timedelta) -> None:
    stamp = NOW - offset
    raw = with_field(raw_event(), "envelope.source_timestamp", stamp.isoformat())
    result = refused(raw)
    assert result.first.error_code == ErrorCode.INVALID_FIELD
    assert result.first.field == "envelope.source_timestamp"
    assert "7 days" in result.first.message


@pytest.mark.parametrize("offset", [timedelta(days=7), -timedelta(days=7), timedelta(0)])
def test_source_timestamp_exactly_seven_days_away_is_accepted(offset: timedelta) -> None:
    raw = with_field(raw_event(), "envelope.source_timestamp", (NOW - offset).isoformat())
    assert isinstance(validate_event(raw, NOW, POLICY), CrmEvent)


def test_timestamp_window_comes_from_the_policy() -> None:
    raw = with_field(
        raw_event(), "envelope.source_timestamp", (NOW - timedelta(days=2)).isoformat()
    )
    narrow = IngestPolicy(timestamp_window=timedelta(days=1))
    assert isinstance(validate_event(raw, NOW, narrow), Invalid)
    assert isinstance(validate_event(raw, NOW, POLICY), CrmEvent)


def test_received_at_sent_by_the_caller_is_ignored() -> None:
    raw = with_field(raw_event(), "envelope.received_at", "garbage")
    event = validate_event(raw, NOW, POLICY)
    assert isinstance(event, CrmEvent)
    assert event.envelope.received_at is None


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("payload.structured_data", {"big": 2**53}),
        ("payload.structured_data", {"deep": [1, {"x": float("inf")}]}),
        ("payload.attachments.0.size_bytes", 2**60),
        ("attribution.submitter_context", {"n": float("nan")}),
    ],
)
def test_INVALID_FIELD_number_not_representable_in_canonical_json(path: str, value: Any) -> None:
    result = refused(with_field(raw_event(), path, value))
    assert result.first.error_code == ErrorCode.INVALID_FIELD
    assert result.first.field.startswith(path)
    assert "canonical JSON" in result.first.message


def test_largest_safe_integer_is_accepted() -> None:
    raw = with_field(raw_event(), "payload.structured_data", {"n": 2**53 - 1, "m": -(2**53 - 1)})
    assert isinstance(validate_event(raw, NOW, POLICY), CrmEvent)


def test_every_problem_is_listed_in_document_order() -> None:
    raw = with_field(raw_event(), "envelope.event_id", "x")
    raw = with_field(raw, "payload.body", "")
    raw = with_field(raw, "attribution.submitter_id", "a@b.example")
    result = refused(raw)
    assert [e.field for e in result.errors] == [
        "envelope.event_id",
        "attribution.submitter_id",
        "payload.body",
    ]
    assert result.first.error_code == ErrorCode.INVALID_EVENT_ID


@pytest.mark.parametrize("raw", [[], "event", 42, None, True])
def test_SCHEMA_VALIDATION_FAILED_when_the_document_is_not_an_object(raw: object) -> None:
    result = refused(raw)
    assert result.first.error_code == ErrorCode.SCHEMA_VALIDATION_FAILED
    assert result.first.field == WHOLE_DOCUMENT


@pytest.mark.parametrize("part", ["envelope", "attribution", "payload"])
def test_SCHEMA_VALIDATION_FAILED_when_a_required_part_is_missing(part: str) -> None:
    result = refused(with_field(raw_event(), part))
    assert (result.first.error_code, result.first.field) == (
        ErrorCode.SCHEMA_VALIDATION_FAILED,
        part,
    )
    assert "missing" in result.first.message


@pytest.mark.parametrize(
    ("part", "value"),
    [("envelope", "x"), ("attribution", []), ("payload", None), ("hints", "NON_AUTHORITATIVE")],
)
def test_SCHEMA_VALIDATION_FAILED_when_a_part_is_not_an_object(part: str, value: object) -> None:
    result = refused(with_field(raw_event(), part, value))
    assert (result.first.error_code, result.first.field) == (
        ErrorCode.SCHEMA_VALIDATION_FAILED,
        part,
    )


def test_SCHEMA_VALIDATION_FAILED_for_an_unknown_part() -> None:
    result = refused(with_field(raw_event(), "authority", {"approve": True}))
    assert (result.first.error_code, result.first.field) == (
        ErrorCode.SCHEMA_VALIDATION_FAILED,
        "authority",
    )


def test_PAYLOAD_TOO_LARGE_above_the_limit_only() -> None:
    policy = IngestPolicy(max_payload_bytes=1024)
    assert check_size(1024, policy) is None
    error = check_size(1025, policy)
    assert error is not None
    assert (error.error_code, error.field) == (ErrorCode.PAYLOAD_TOO_LARGE, WHOLE_DOCUMENT)
    assert "1024 bytes" in error.message


def test_PAYLOAD_TOO_LARGE_default_limit_is_64_KiB() -> None:
    assert IngestPolicy().max_payload_bytes == 65_536
    assert check_size(65_536, IngestPolicy()) is None
    assert check_size(65_537, IngestPolicy()) is not None


def test_invalid_without_errors_cannot_exist() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Invalid(())


def test_error_as_json_is_the_wire_form() -> None:
    error = refused(with_field(raw_event(), "envelope.source", "email")).first
    assert error.as_json() == {
        "error_code": "INVALID_SOURCE",
        "field": "envelope.source",
        "message": error.message,
    }

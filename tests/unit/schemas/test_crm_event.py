"""CRM event limits (SPEC §2): hard limits, exact enums, no authority, no executable content."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from govmesh.schemas import FIELD_ERROR_CODES, CrmEvent

from .support import golden, with_path, without_path

pytestmark = pytest.mark.unit

SPEC_FIELD_CODES = {
    "INVALID_EVENT_ID",
    "INVALID_IDEMPOTENCY_KEY",
    "INVALID_EVENT_TYPE",
    "INVALID_SOURCE",
    "INVALID_SOURCE_SYSTEM",
    "INVALID_SOURCE_REF",
    "INVALID_SUBJECT",
    "INVALID_BODY",
}


def event(**paths: Any) -> dict[str, Any]:
    """The golden CRM event with dotted paths (`__` for `.`) replaced."""
    data = golden("CrmEvent")
    for path, value in paths.items():
        data = with_path(data, path.replace("__", "."), value)
    return data


def refusal(data: dict[str, Any]) -> list[str]:
    """Dotted locations of every error, or [] when the event is accepted."""
    try:
        CrmEvent.model_validate(data)
    except ValidationError as exc:
        return [".".join(str(p) for p in error["loc"]) for error in exc.errors()]
    return []


def test_golden_crm_event_is_accepted() -> None:
    assert refusal(golden("CrmEvent")) == []


# (dotted path, minimum length or None when only a maximum applies, maximum length)
STRING_LIMITS = [
    ("envelope.idempotency_key", 1, 256),
    ("attribution.source_system", 1, 100),
    ("attribution.source_reference", 1, 256),
    ("attribution.submitter_id", 1, 256),
    ("payload.subject", 1, 200),
    ("payload.body", 1, 10_000),
    ("payload.tenant_context.tenant_id", None, 100),
    ("payload.tenant_context.project_id", None, 100),
    ("payload.tenant_context.environment", None, 50),
    ("payload.attachments.0.type", 1, 50),
    ("payload.attachments.0.reference", 1, 1024),
    ("hints.severity_hint", None, 20),
    ("hints.category_hint", None, 50),
]


@pytest.mark.parametrize(("path", "minimum", "maximum"), STRING_LIMITS)
def test_INVALID_FIELD_string_length_limits_hold_at_the_boundary(
    path: str, minimum: int | None, maximum: int
) -> None:
    accepted = [maximum] if minimum is None else [minimum, maximum]
    refused = [maximum + 1] if minimum is None else [minimum - 1, maximum + 1]
    for length in accepted:
        assert refusal(with_path(golden("CrmEvent"), path, "x" * length)) == [], length
    for length in refused:
        assert refusal(with_path(golden("CrmEvent"), path, "x" * length)) == [path], length


def test_INVALID_FIELD_length_counts_characters_not_bytes() -> None:
    assert refusal(event(payload__subject="ü" * 200)) == []
    assert refusal(event(payload__subject="ü" * 201)) == ["payload.subject"]


@pytest.mark.parametrize(
    ("path", "maximum"), [("payload.attachments", 20), ("hints.capability_hints", 20)]
)
def test_INVALID_FIELD_list_length_limits_hold_at_the_boundary(path: str, maximum: int) -> None:
    item = golden("CrmEvent")["payload"]["attachments"][0] if "attachments" in path else "LOGS_LIST"
    assert refusal(with_path(golden("CrmEvent"), path, [item] * maximum)) == []
    assert refusal(with_path(golden("CrmEvent"), path, [item] * (maximum + 1))) == [path]


def test_INVALID_FIELD_attachment_size_may_be_zero_never_negative() -> None:
    assert refusal(event(payload__attachments__0__size_bytes=0)) == []
    assert refusal(event(payload__attachments__0__size_bytes=-1)) == [
        "payload.attachments.0.size_bytes"
    ]


@pytest.mark.parametrize(
    ("path", "accepted", "refused"),
    [
        (
            "envelope.event_type",
            ["issue", "feedback", "alert", "escalation"],
            ["Issue", "complaint", ""],
        ),
        (
            "envelope.source",
            ["crm_feedback", "support_ticket", "ops_alert", "manual", "integration"],
            ["email", "CRM_FEEDBACK", ""],
        ),
        (
            "attribution.submitter_type",
            ["human", "system", "integration"],
            ["founder", "Human"],
        ),
        ("hints.priority_hint", ["urgent", "normal", "low", None], ["high", "URGENT"]),
        ("envelope.schema_version", ["1.0.0"], ["1.0.1", "2.0.0", "1.0"]),
    ],
)
def test_INVALID_FIELD_enumerations_are_exact(
    path: str, accepted: list[Any], refused: list[Any]
) -> None:
    for value in accepted:
        assert refusal(with_path(golden("CrmEvent"), path, value)) == [], value
    for value in refused:
        assert refusal(with_path(golden("CrmEvent"), path, value)) == [path], value


@pytest.mark.parametrize("value", ["not-a-uuid", "3f1c2a8e-6b4d-4e0f-9a51", "", 42])
def test_INVALID_EVENT_ID_event_id_must_be_a_uuid(value: Any) -> None:
    assert refusal(event(envelope__event_id=value)) == ["envelope.event_id"]


@pytest.mark.parametrize("timestamp", ["2025-03-10T09:14:07", "last tuesday", "2025-03-10"])
def test_INVALID_FIELD_source_timestamp_needs_a_timezone(timestamp: str) -> None:
    assert refusal(event(envelope__source_timestamp=timestamp)) == ["envelope.source_timestamp"]


def test_INVALID_FIELD_hints_semantics_must_be_exactly_non_authoritative() -> None:
    assert refusal(event(hints___semantics="NON_AUTHORITATIVE")) == []
    for value in ["non_authoritative", "AUTHORITATIVE", "NON_AUTHORITATIVE ", "", None]:
        assert refusal(event(hints___semantics=value)) == ["hints._semantics"], value
    assert refusal(without_path(golden("CrmEvent"), "hints._semantics")) == ["hints._semantics"]


def test_INVALID_FIELD_hints_are_optional_and_serialise_under_their_alias() -> None:
    assert refusal(event(hints=None)) == []
    dumped = CrmEvent.model_validate(golden("CrmEvent")).model_dump(mode="json")
    assert dumped["hints"]["_semantics"] == "NON_AUTHORITATIVE"
    assert "semantics" not in dumped["hints"]


@pytest.mark.parametrize("field", ["authority", "approved", "contract_id", "execute"])
def test_PART2_001_an_event_cannot_smuggle_authority_fields(field: str) -> None:
    assert refusal({**golden("CrmEvent"), field: True}) == [field]
    assert refusal(with_path(golden("CrmEvent"), f"hints.{field}", True)) == [f"hints.{field}"]


EXECUTABLE = [
    "<script>alert(1)</script>",
    "<SCRIPT src=//evil.example/x.js>",
    "< script >",
    "</script>",
    "<iframe src=//evil.example>",
    "<object data=x>",
    "<embed src=x>",
    "javascript:alert(1)",
    "JavaScript : void(0)",
    '<img src=x onerror="alert(1)">',
    "<a onclick='steal()'>click</a>",
]
HARMLESS = [
    "The deploy script fails at step 3",
    "a < b and b > c",
    'Config says {"max_requests_per_minute": 200}',
    "Question about our javascript SDK",
    "Set the retention to 14 days",
]


@pytest.mark.parametrize("text", EXECUTABLE)
def test_INVALID_BODY_and_INVALID_SUBJECT_executable_content_is_refused(text: str) -> None:
    assert refusal(event(payload__body=f"Hello {text} bye")) == ["payload.body"]
    assert refusal(event(payload__subject=text)) == ["payload.subject"]


@pytest.mark.parametrize("text", HARMLESS)
def test_INVALID_BODY_ordinary_text_is_accepted(text: str) -> None:
    assert refusal(event(payload__body=text, payload__subject=text)) == []


@pytest.mark.parametrize(
    "submitter_id",
    [
        "jane.doe@example.com",
        "J.Doe+crm@support.example.co.uk",
        "+44 20 7946 0958",
        "(555) 123-4567",
        "+1-202-555-0143",
        "555.123.4567",
    ],
)
def test_INVALID_FIELD_submitter_id_may_not_be_an_email_or_phone_number(
    submitter_id: str,
) -> None:
    assert refusal(event(attribution__submitter_id=submitter_id)) == ["attribution.submitter_id"]


@pytest.mark.parametrize("submitter_id", ["agent-jmartin", "usr_8f3a2c", "crm:user:42", None])
def test_INVALID_FIELD_opaque_submitter_ids_are_accepted(submitter_id: str | None) -> None:
    assert refusal(event(attribution__submitter_id=submitter_id)) == []


def test_field_error_codes_are_exactly_the_spec_field_codes() -> None:
    assert set(FIELD_ERROR_CODES.values()) == SPEC_FIELD_CODES
    assert len(FIELD_ERROR_CODES) == len(SPEC_FIELD_CODES)


def _wire_names(model: type[BaseModel]) -> dict[str, Any]:
    return {field.alias or name: field.annotation for name, field in model.model_fields.items()}


@pytest.mark.parametrize("path", sorted(FIELD_ERROR_CODES))
def test_field_error_code_paths_exist_in_the_model(path: str) -> None:
    node: Any = CrmEvent
    for part in path.split("."):
        assert isinstance(node, type), path
        assert issubclass(node, BaseModel), path
        fields = _wire_names(node)
        assert part in fields, f"{path}: {node.__name__} has no field {part!r}"
        node = fields[part]


BAD_VALUES = {
    "envelope.event_id": "not-a-uuid",
    "envelope.idempotency_key": "",
    "envelope.event_type": "complaint",
    "envelope.source": "email",
    "attribution.source_system": "x" * 101,
    "attribution.source_reference": "",
    "payload.subject": "",
    "payload.body": "<script>alert(1)</script>",
}


@pytest.mark.parametrize(("path", "code"), sorted(FIELD_ERROR_CODES.items()))
def test_field_error_code_matches_the_location_pydantic_reports(path: str, code: str) -> None:
    errors = refusal(with_path(golden("CrmEvent"), path, BAD_VALUES[path]))
    assert errors == [path]
    assert FIELD_ERROR_CODES[errors[0]] == code

"""Per-topic JSON Schemas for the broker: right messages, right producers, portable keywords.

Each check runs twice: against the whole `<topic>.json` and against its `value`
subschema alone, which is how Tansu compiles it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from govmesh.schemas import (
    TOPICS,
    CrmEvent,
    GovernanceSignal,
    HealthSignal,
    Principal,
    ProposalValidated,
    TopicSpec,
)
from govmesh.schemas.jsonschema import (
    DATE_TIME_PATTERN,
    UUID_PATTERN,
    portable,
    render_json,
    topic_json_schema,
    write_schemas,
)

from .support import (
    golden,
    refs_in,
    resolve_pointer,
    subschemas,
    wire_envelope,
    with_path,
    without_path,
)

pytestmark = pytest.mark.unit

TOPIC_TYPES = [(name, t.TYPE) for name, spec in TOPICS.items() for t in spec.value_types]
ENVELOPE_FIELDS = ["event_id", "type", "schema_version", "producer", "produced_at", "data"]

# Constructs the Rust `regex` crate does not support (it has no look-around,
# back-references, atomic groups or possessive quantifiers) or spells differently.
RUST_REGEX_UNSUPPORTED = re.compile(
    r"\(\?[=!]|\(\?<[=!]|\(\?>|\(\?P=|\\[1-9]|\\k<|[*+?}]\+|\\Z|\\[Gz]"
)


class TopicValidators:
    """Both ways of applying a topic schema: whole record, and value alone (Tansu)."""

    def __init__(self, spec: TopicSpec) -> None:
        self.schema = topic_json_schema(spec)
        self.record = Draft202012Validator(self.schema)
        self.value = Draft202012Validator(self.schema["properties"]["value"])

    def accepts(self, value: Any) -> bool:
        whole: bool = self.record.is_valid({"value": value})
        alone: bool = self.value.is_valid(value)
        assert whole == alone, "the value schema must mean the same inside and outside the file"
        return whole

    def errors(self, value: Any) -> list[str]:
        return [error.message for error in self.value.iter_errors(value)]


@pytest.fixture(scope="module")
def validators() -> dict[str, TopicValidators]:
    return {name: TopicValidators(spec) for name, spec in TOPICS.items()}


@pytest.mark.parametrize("topic_name", list(TOPICS))
def test_topic_schema_is_valid_draft_2020_12(topic_name: str) -> None:
    schema = topic_json_schema(TOPICS[topic_name])
    Draft202012Validator.check_schema(schema)
    Draft202012Validator.check_schema(schema["properties"]["value"])


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_golden_envelope_is_accepted_by_its_topic_schema(
    validators: dict[str, TopicValidators], topic_name: str, type_name: str
) -> None:
    value = wire_envelope(TOPICS[topic_name], type_name, golden(type_name))
    assert validators[topic_name].errors(value) == []
    assert validators[topic_name].accepts(value)


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_PART2_001_producer_not_allowed_on_topic_is_refused(
    validators: dict[str, TopicValidators], topic_name: str, type_name: str
) -> None:
    spec = TOPICS[topic_name]
    value = wire_envelope(spec, type_name, golden(type_name))
    for principal in Principal:
        forged = {**value, "producer": principal.value}
        assert validators[topic_name].accepts(forged) == (principal in spec.producers)
    assert not validators[topic_name].accepts({**value, "producer": "operator"})


def test_PART2_001_crm_may_write_crm_events_and_nothing_else() -> None:
    for name, spec in TOPICS.items():
        producers = topic_json_schema(spec)["properties"]["value"]["properties"]["producer"]["enum"]
        assert ("crm" in producers) == (name == "crm.events"), name


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_envelope_without_a_required_field_is_refused(
    validators: dict[str, TopicValidators], topic_name: str, type_name: str
) -> None:
    value = wire_envelope(TOPICS[topic_name], type_name, golden(type_name))
    for field in [*ENVELOPE_FIELDS, "signature"]:
        assert not validators[topic_name].accepts(without_path(value, field)), field


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_unsigned_or_extended_envelope_is_refused(
    validators: dict[str, TopicValidators], topic_name: str, type_name: str
) -> None:
    value = wire_envelope(TOPICS[topic_name], type_name, golden(type_name))
    assert not validators[topic_name].accepts({**value, "signature": None})
    assert not validators[topic_name].accepts({**value, "signature": ""})
    assert not validators[topic_name].accepts({**value, "authority": "founder"})


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_type_name_not_carried_by_topic_is_refused(
    validators: dict[str, TopicValidators], topic_name: str, type_name: str
) -> None:
    value = wire_envelope(TOPICS[topic_name], type_name, golden(type_name))
    other_types = sorted({t.TYPE for s in TOPICS.values() for t in s.value_types} - {type_name})
    for other in [*other_types, type_name.lower(), "NotAType"]:
        assert not validators[topic_name].accepts({**value, "type": other}), other


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_data_missing_a_required_field_or_carrying_an_unknown_one_is_refused(
    validators: dict[str, TopicValidators], topic_name: str, type_name: str
) -> None:
    spec = TOPICS[topic_name]
    model = spec.types_by_name[type_name]
    required = [f.alias or n for n, f in model.model_fields.items() if f.is_required()]
    assert required, type_name
    for field in required:
        data = without_path(golden(type_name), field)
        assert not validators[topic_name].accepts(wire_envelope(spec, type_name, data)), field
    data = {**golden(type_name), "approved": True}
    assert not validators[topic_name].accepts(wire_envelope(spec, type_name, data))


def test_record_without_a_value_is_refused(validators: dict[str, TopicValidators]) -> None:
    # Tansu refuses a record with no value once a value schema exists: no tombstones.
    assert not validators["registry.state"].record.is_valid({})
    assert not validators["registry.state"].record.is_valid({"value": None})


def test_record_key_is_not_constrained() -> None:
    # Tansu parses a key as JSON and refuses a record without one as soon as a key
    # schema exists; the mesh sends plain UTF-8 keys and dead letters may have none.
    for spec in TOPICS.values():
        schema = topic_json_schema(spec)
        assert set(schema["properties"]) == {"value"}
        type_name = spec.value_types[0].TYPE
        value = wire_envelope(spec, type_name, golden(type_name))
        for key in [None, "SYSTEM", "zendesk:ticket:48213:v1", 42]:
            assert Draft202012Validator(schema).is_valid({"key": key, "value": value}), key


def _two_type_spec() -> TopicSpec:
    return TopicSpec(
        name="test.two-types",
        key="scope",
        value_types=(HealthSignal, GovernanceSignal),
        producers=frozenset({Principal.HEALTH}),
        consumers=frozenset({Principal.AUDITOR}),
    )


def test_topic_with_several_types_validates_data_by_its_type_name() -> None:
    spec = _two_type_spec()
    topic = TopicValidators(spec)
    Draft202012Validator.check_schema(topic.schema)
    health, governance = golden("HealthSignal"), golden("GovernanceSignal")
    assert topic.accepts(wire_envelope(spec, "HealthSignal", health))
    assert topic.accepts(wire_envelope(spec, "GovernanceSignal", governance))
    assert not topic.accepts(wire_envelope(spec, "HealthSignal", governance))
    assert not topic.accepts(wire_envelope(spec, "GovernanceSignal", health))
    assert not topic.accepts(wire_envelope(spec, "RegistryState", health))
    type_enum = topic.schema["properties"]["value"]["properties"]["type"]["enum"]
    assert type_enum == ["GovernanceSignal", "HealthSignal"]


def test_topic_without_a_producer_is_a_programming_error() -> None:
    spec = TopicSpec(
        name="test.orphan",
        key="scope",
        value_types=(HealthSignal,),
        producers=frozenset(),
        consumers=frozenset({Principal.AUDITOR}),
    )
    with pytest.raises(ValueError, match="no producer"):
        topic_json_schema(spec)


def _all_subschemas() -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, sub) for name, spec in TOPICS.items() for sub in subschemas(topic_json_schema(spec))
    ]


def test_schemas_use_no_format_discriminator_or_fractional_multiple_of() -> None:
    for name, sub in _all_subschemas():
        assert "format" not in sub, name
        assert "discriminator" not in sub, name
        multiple = sub.get("multipleOf")
        assert multiple is None or float(multiple).is_integer(), name


def test_schema_patterns_are_anchored_and_rust_regex_compatible() -> None:
    patterns = {sub["pattern"] for _, sub in _all_subschemas() if "pattern" in sub}
    patterns |= {p for _, sub in _all_subschemas() for p in sub.get("patternProperties", {})}
    assert {UUID_PATTERN, DATE_TIME_PATTERN, r"^[0-9a-f]{64}$"} <= patterns
    for pattern in patterns:
        re.compile(pattern)
        assert RUST_REGEX_UNSUPPORTED.search(pattern) is None, pattern
        assert pattern.startswith("^"), pattern
        assert pattern.endswith("$"), pattern


def test_schema_refs_are_local_to_the_value_subschema() -> None:
    for spec in TOPICS.values():
        value = topic_json_schema(spec)["properties"]["value"]
        refs = set(refs_in(value))
        assert refs, spec.name
        for ref in refs:
            assert ref.startswith("#/$defs/"), ref
            resolve_pointer(value, ref)


def test_schema_keeps_only_definitions_it_uses() -> None:
    for spec in TOPICS.values():
        value = topic_json_schema(spec)["properties"]["value"]
        used = {ref.removeprefix("#/$defs/") for ref in refs_in(value)}
        assert set(value["$defs"]) == used, spec.name
        assert "Principal" not in value["$defs"]


OFFSETS = [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]


@given(st.datetimes(timezones=st.sampled_from(OFFSETS)))
def test_date_time_pattern_accepts_every_aware_datetime_pydantic_emits(moment: datetime) -> None:
    assert re.fullmatch(DATE_TIME_PATTERN, TypeAdapter(datetime).dump_python(moment, mode="json"))


@given(st.uuids())
def test_uuid_pattern_accepts_every_uuid_pydantic_emits(value: UUID) -> None:
    assert re.fullmatch(UUID_PATTERN, TypeAdapter(UUID).dump_python(value, mode="json"))


@pytest.mark.parametrize(
    "text",
    ["2025-03-11T12:00:00", "2025-13-11T12:00:00Z", "2025-03-11", "yesterday", ""],
)
def test_date_time_pattern_refuses_naive_or_malformed_timestamps(text: str) -> None:
    assert re.fullmatch(DATE_TIME_PATTERN, text) is None


def test_VAL_003_every_two_decimal_confidence_is_accepted_by_model_and_schema(
    validators: dict[str, TopicValidators],
) -> None:
    spec = TOPICS["proposals.validated"]
    base = golden("ProposalValidated")
    for hundredths in range(101):
        data = with_path(base, "verdict.confidence_score", hundredths / 100)
        ProposalValidated.model_validate(data)
        value = wire_envelope(spec, "ProposalValidated", data)
        assert validators["proposals.validated"].accepts(value), hundredths / 100


@pytest.mark.parametrize("confidence", [-0.01, 1.01, 2])
def test_CONTRACT_007_confidence_outside_zero_one_is_refused_by_model_and_schema(
    validators: dict[str, TopicValidators], confidence: float
) -> None:
    data = with_path(golden("ProposalValidated"), "verdict.confidence_score", confidence)
    with pytest.raises(ValidationError):
        ProposalValidated.model_validate(data)
    value = wire_envelope(TOPICS["proposals.validated"], "ProposalValidated", data)
    assert not validators["proposals.validated"].accepts(value)


@pytest.mark.parametrize(
    "change",
    [
        {
            "type": "capability_enable",
            "capability_name": "LOGS LIST",
            "target_lifecycle": "PREVIEW",
        },
        {"type": "capability_enable", "capability_name": "LOGS_LIST", "target_lifecycle": "GA"},
        {"type": "capability_disable", "capability_name": "LOGS_LIST", "reason": ""},
        {"type": "parameter_change", "scope": "SYSTEM", "parameters": {}},
        {"type": "delete_everything", "scope": "SYSTEM"},
    ],
)
def test_CONTRACT_006_invalid_proposed_change_is_refused_by_model_and_schema(
    validators: dict[str, TopicValidators], change: dict[str, Any]
) -> None:
    data = with_path(golden("ProposalValidated"), "verdict.proposed_changes", [change])
    with pytest.raises(ValidationError):
        ProposalValidated.model_validate(data)
    value = wire_envelope(TOPICS["proposals.validated"], "ProposalValidated", data)
    assert not validators["proposals.validated"].accepts(value)


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("envelope.idempotency_key", 256),
        ("attribution.source_system", 100),
        ("attribution.source_reference", 256),
        ("payload.subject", 200),
        ("payload.body", 10_000),
    ],
)
def test_INVALID_FIELD_crm_length_limits_agree_between_model_and_schema(
    validators: dict[str, TopicValidators], path: str, limit: int
) -> None:
    spec = TOPICS["crm.events"]
    for length, valid in [(0, False), (1, True), (limit, True), (limit + 1, False)]:
        data = with_path(golden("CrmEvent"), path, "x" * length)
        try:
            CrmEvent.model_validate(data)
            model_valid = True
        except ValidationError:
            model_valid = False
        assert model_valid == valid, (path, length)
        assert validators["crm.events"].accepts(wire_envelope(spec, "CrmEvent", data)) == valid


def test_portable_replaces_formats_but_leaves_property_names_and_data_alone() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "format": {"type": "string", "format": "uuid"},
            "at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        },
        "default": {"format": "uuid"},
    }
    assert portable(schema) == {
        "type": "object",
        "properties": {
            "format": {"type": "string", "pattern": UUID_PATTERN},
            "at": {"anyOf": [{"type": "string", "pattern": DATE_TIME_PATTERN}, {"type": "null"}]},
        },
        "default": {"format": "uuid"},
    }
    assert schema["properties"]["format"] == {"type": "string", "format": "uuid"}


def test_portable_refuses_a_format_it_has_no_pattern_for() -> None:
    with pytest.raises(ValueError, match="email"):
        portable({"type": "string", "format": "email"})


def test_write_schemas_writes_one_file_per_topic(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "registry")
    assert sorted(p.name for p in written) == sorted(f"{name}.json" for name in TOPICS)
    for path in written:
        spec = TOPICS[path.name.removesuffix(".json")]
        assert path.read_text(encoding="utf-8") == render_json(topic_json_schema(spec))
        assert json.loads(path.read_text(encoding="utf-8")) == topic_json_schema(spec)

"""Golden fixtures: one realistic example per message type, guarding wire compatibility.

A model change that alters how a committed example parses or serialises fails here;
a new message type without a fixture fails here too.
"""

from __future__ import annotations

import json

import pytest

from govmesh.schemas import TOPICS, Envelope, canonical_bytes, message_types

from .support import GOLDEN_DIR, golden, golden_text, wire_envelope

pytestmark = pytest.mark.unit

TYPE_NAMES = sorted(message_types())


def test_every_message_type_has_a_golden_fixture() -> None:
    present = {path.stem for path in GOLDEN_DIR.glob("*.json")}
    missing = sorted(set(TYPE_NAMES) - present)
    assert missing == [], f"add tests/data/golden/<TYPE>.json for {missing}"


def test_every_golden_fixture_names_a_message_type() -> None:
    unknown = sorted({path.stem for path in GOLDEN_DIR.iterdir()} - set(TYPE_NAMES))
    assert unknown == [], f"golden fixtures without a message type: {unknown}"


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_golden_fixture_round_trips_byte_identically(type_name: str) -> None:
    model = message_types()[type_name]
    data = golden(type_name)
    message = model.model_validate(data)
    assert canonical_bytes(message.model_dump(mode="json")) == canonical_bytes(data)


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_golden_fixture_parses_alike_from_json_text(type_name: str) -> None:
    # Consumers parse bytes (JSON mode), producers build objects (Python mode): same result.
    model = message_types()[type_name]
    from_text = model.model_validate_json(golden_text(type_name))
    assert from_text == model.model_validate(golden(type_name))
    assert canonical_bytes(from_text.model_dump(mode="json")) == canonical_bytes(golden(type_name))


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_golden_fixture_survives_the_envelope_unchanged(type_name: str) -> None:
    spec = next(s for s in TOPICS.values() if type_name in s.types_by_name)
    wire = json.dumps(wire_envelope(spec, type_name, golden(type_name)))
    envelope = Envelope.model_validate_json(wire)
    message = spec.types_by_name[envelope.type].model_validate(envelope.data)
    assert canonical_bytes(message.model_dump(mode="json")) == canonical_bytes(golden(type_name))


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_golden_fixture_is_a_json_object_with_no_unknown_field(type_name: str) -> None:
    data = golden(type_name)
    model = message_types()[type_name]
    wire_names = {field.alias or name for name, field in model.model_fields.items()}
    assert set(data) == wire_names, "golden fixtures spell out every field, defaults included"

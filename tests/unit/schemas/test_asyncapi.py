"""The AsyncAPI document agrees with the topic registry and with the broker schemas."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from govmesh.schemas import TOPICS, Principal, message_types
from govmesh.schemas.asyncapi import asyncapi_document, operation_id, render_yaml

from .support import foreign_producer, golden, refs_in, resolve_pointer, subschemas, wire_envelope

pytestmark = pytest.mark.unit

TOPIC_TYPES = [(name, t.TYPE) for name, spec in TOPICS.items() for t in spec.value_types]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return asyncapi_document()


def _payload_validator(document: dict[str, Any], type_name: str) -> Draft202012Validator:
    # Rooted in the document so `#/components/...` references resolve.
    root = {"$ref": f"#/components/messages/{type_name}/payload", **document}
    return Draft202012Validator(root)


def test_document_is_asyncapi_3(document: dict[str, Any]) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["title"] == "govmesh"
    assert document["info"]["version"] == "1.0.0"
    assert document["defaultContentType"] == "application/json"


def test_every_topic_is_a_channel_addressed_by_its_name(document: dict[str, Any]) -> None:
    channels = document["channels"]
    assert list(channels) == list(TOPICS)
    for name, spec in TOPICS.items():
        channel = channels[name]
        assert channel["address"] == name
        assert set(channel["messages"]) == set(spec.types_by_name)
        assert channel["x-govmesh-key"] == spec.key
        kafka = channel["bindings"]["kafka"]
        assert (kafka["topic"], kafka["partitions"]) == (name, spec.partitions)
        assert kafka["topicConfiguration"]["cleanup.policy"] == [spec.cleanup]


def test_operations_are_exactly_the_registry_rights_of_each_principal(
    document: dict[str, Any],
) -> None:
    expected = {
        (principal.value, action, spec.name)
        for spec in TOPICS.values()
        for action, principals in (("send", spec.producers), ("receive", spec.consumers))
        for principal in principals
    }
    found = set()
    for op_id, operation in document["operations"].items():
        (tag,) = operation["tags"]
        channel = resolve_pointer(document, operation["channel"]["$ref"])
        triple = (tag["name"], operation["action"], channel["address"])
        assert op_id == operation_id(
            Principal(tag["name"]), operation["action"], channel["address"]
        )
        found.add(triple)
    assert found == expected
    assert len(document["operations"]) == len(expected)


def test_PART2_001_crm_only_sends_crm_events(document: dict[str, Any]) -> None:
    crm_sends = [
        op["channel"]["$ref"]
        for op in document["operations"].values()
        if op["tags"] == [{"name": "crm"}] and op["action"] == "send"
    ]
    assert crm_sends == ["#/channels/crm.events"]


def test_every_principal_with_a_right_has_operations(document: dict[str, Any]) -> None:
    tagged = {op["tags"][0]["name"] for op in document["operations"].values()}
    assert tagged == {p.value for p in Principal}


def test_operation_messages_belong_to_their_channel(document: dict[str, Any]) -> None:
    for operation in document["operations"].values():
        channel_ref = operation["channel"]["$ref"]
        channel = resolve_pointer(document, channel_ref)
        names = []
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel_ref}/messages/")
            names.append(message["$ref"].rsplit("/", 1)[1])
        assert sorted(names) == sorted(channel["messages"])


def test_every_message_type_is_a_component_message(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    assert set(messages) == set(message_types())
    for name, message in messages.items():
        assert message["name"] == name
        assert message["contentType"] == "application/json"


def test_every_reference_in_the_document_resolves(document: dict[str, Any]) -> None:
    refs = set(refs_in(document))
    assert refs
    for ref in refs:
        resolve_pointer(document, ref)


@pytest.mark.parametrize(("topic_name", "type_name"), TOPIC_TYPES)
def test_message_payload_accepts_the_golden_envelope(
    document: dict[str, Any], topic_name: str, type_name: str
) -> None:
    value = wire_envelope(TOPICS[topic_name], type_name, golden(type_name))
    assert [e.message for e in _payload_validator(document, type_name).iter_errors(value)] == []


@pytest.mark.parametrize("type_name", sorted(message_types()))
def test_message_payload_refuses_wrong_type_missing_data_and_no_signature(
    document: dict[str, Any], type_name: str
) -> None:
    spec = next(s for s in TOPICS.values() if type_name in s.types_by_name)
    value = wire_envelope(spec, type_name, golden(type_name))
    validator = _payload_validator(document, type_name)
    other = next(name for name in sorted(message_types()) if name != type_name)
    assert not validator.is_valid({**value, "type": other})
    assert not validator.is_valid({**value, "data": golden(other)})
    assert not validator.is_valid({**value, "signature": None})
    assert not validator.is_valid({**value, "producer": "operator"})
    assert validator.is_valid({**value, "producer": foreign_producer(spec).value}), (
        "per-topic producer rights live in the operations, not in the shared message"
    )


def test_component_schemas_are_as_portable_as_the_broker_schemas(
    document: dict[str, Any],
) -> None:
    for schema in document["components"]["schemas"].values():
        for sub in subschemas(schema):
            assert "format" not in sub
            assert "discriminator" not in sub


def test_render_yaml_is_deterministic_and_round_trips(document: dict[str, Any]) -> None:
    text = render_yaml()
    assert render_yaml() == text
    assert yaml.safe_load(text) == document
    assert render_yaml(document) == text


def test_render_yaml_writes_no_anchors_or_aliases() -> None:
    shared = {"$ref": "#/components/schemas/Envelope"}
    text = render_yaml({"a": shared, "b": shared})
    assert "&id" not in text
    assert "*id" not in text
    assert yaml.safe_load(text) == {"a": shared, "b": shared}

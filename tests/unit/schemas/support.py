"""Shared helpers for the schema tests: golden fixtures, envelopes, schema walking."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from govmesh.schemas import Envelope, Principal, TopicSpec

REPO_ROOT = Path(__file__).resolve().parents[3]
GOLDEN_DIR = REPO_ROOT / "tests" / "data" / "golden"
PRODUCED_AT = datetime(2025, 3, 11, 12, 0, tzinfo=UTC)


def golden_text(type_name: str) -> str:
    """The committed golden fixture of one message type, as text."""
    return (GOLDEN_DIR / f"{type_name}.json").read_text(encoding="utf-8")


def golden(type_name: str) -> dict[str, Any]:
    """A fresh, mutable copy of one golden fixture."""
    data: dict[str, Any] = json.loads(golden_text(type_name))
    return data


def allowed_producer(spec: TopicSpec) -> Principal:
    return min(spec.producers, key=lambda p: p.value)


def foreign_producer(spec: TopicSpec) -> Principal:
    """A principal that must never write this topic."""
    return next(p for p in Principal if p not in spec.producers)


def wire_envelope(spec: TopicSpec, type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The record value exactly as it travels: the canonical bytes of a signed envelope, parsed."""
    envelope = Envelope(
        event_id=UUID("0b6f2d4e-8a1c-4e3b-9d5f-7a2c4e6b8d0f"),
        type=type_name,
        schema_version="1.0.0",
        producer=allowed_producer(spec),
        produced_at=PRODUCED_AT,
        causation_id=UUID("1c7e3f5a-9b2d-4f4c-8e6a-8b3d5f7c9e1a"),
        correlation_id=UUID("8a6e0f5b-1c2d-4e3f-8a9b-0c1d2e3f4a5b"),
        input_digest="a" * 64,
        data=data,
        signature="ZmFrZS1lZDI1NTE5LXNpZ25hdHVyZQ",
    )
    value: dict[str, Any] = json.loads(envelope.to_bytes())
    return value


def with_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `data` with the dotted `path` (list indexes as digits) set to `value`."""
    result = copy.deepcopy(data)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result


def without_path(data: dict[str, Any], path: str) -> dict[str, Any]:
    """A deep copy of `data` with the dotted `path` removed."""
    result = copy.deepcopy(data)
    *parents, last = path.split(".")
    node: Any = result
    for part in parents:
        node = node[part]
    del node[last]
    return result


_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_ONE = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)


def subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside `schema` (itself included), keyword-aware."""
    if not isinstance(schema, dict):
        return
    yield schema
    for keyword, value in schema.items():
        if keyword in _SUBSCHEMA_MAPS and isinstance(value, dict):
            for sub in value.values():
                yield from subschemas(sub)
        elif keyword in _SUBSCHEMA_LISTS and isinstance(value, list):
            for sub in value:
                yield from subschemas(sub)
        elif keyword in _SUBSCHEMA_ONE:
            yield from subschemas(value)


def resolve_pointer(document: Any, ref: str) -> Any:
    """Resolve a local `#/...` JSON pointer in `document`; KeyError when it dangles."""
    if not ref.startswith("#/"):
        raise KeyError(f"{ref} is not a local reference")
    node = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def refs_in(node: Any) -> Iterator[str]:
    """Every `$ref` string anywhere in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)

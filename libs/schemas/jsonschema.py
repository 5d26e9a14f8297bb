"""Per-topic JSON Schemas, derived from `TOPICS`, for broker-side validation.

The test broker (Tansu) validates every produced record against `<topic>.json` in
its schema-registry directory. It reads `properties.key` and `properties.value` of
that file and compiles each as a *separate* validator over the JSON-parsed record
key or value. Three consequences shape what is generated here:

- The value schema is a resource of its own (`$id`, `$schema`, its own `$defs`),
  so its `#/$defs/...` references resolve whether it is compiled alone (Tansu) or
  as part of the whole file (any other validator).
- The key is not described. Tansu parses a key as JSON and refuses a record
  without one as soon as a key schema exists, while our keys are plain strings
  (a UUID, an idempotency key, "scope+type") and dead letters may carry none.
- Only portable keywords are emitted: `format` is replaced by an equivalent
  `pattern` (formats are assertions in some drafts and validators and mere
  annotations in others), patterns avoid look-around and back-references (the
  Rust `regex` crate has neither), and a fractional `multipleOf` is dropped
  because validators test it by float division (0.57 / 0.01 is not an integer).
  The consumer-side model check still enforces all of it (ARCHITECTURE "Envelope
  and authority"); the broker check is an additional layer, never the only one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from govmesh.schemas.envelope import Envelope
from govmesh.schemas.topics import TOPICS, TopicSpec

DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: RFC 4122 text form, what `format: uuid` asserts.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
#: RFC 3339 `date-time`, what `format: date-time` asserts (pydantic emits this form).
DATE_TIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
FORMAT_PATTERNS: Mapping[str, str] = {"uuid": UUID_PATTERN, "date-time": DATE_TIME_PATTERN}

# Keywords whose value is a map of subschemas, a list of subschemas, or one subschema.
# Everything else (const, enum, default, examples, ...) is data and is left alone.
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONE = (
    "items",
    "additionalItems",
    "additionalProperties",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
_DEFS_PREFIX = "#/$defs/"


def portable(schema: Any) -> Any:
    """A copy of `schema` using only keywords every validator treats alike (see module doc).

    Raises ValueError for a `format` without a known portable pattern, so a new
    format in a model is a conscious decision rather than a silent gap.
    """
    if isinstance(schema, bool) or not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _SCHEMA_MAPS and isinstance(value, dict):
            result[keyword] = {name: portable(sub) for name, sub in value.items()}
        elif keyword in _SCHEMA_LISTS and isinstance(value, list):
            result[keyword] = [portable(sub) for sub in value]
        elif keyword in _SCHEMA_ONE:
            result[keyword] = portable(value)
        elif keyword == "format":
            result.update(_format_pattern(value, schema))
        elif keyword == "multipleOf" and isinstance(value, float) and not value.is_integer():
            continue
        elif keyword == "discriminator" and isinstance(value, dict):
            # OpenAPI's discriminator object: not JSON Schema, and `oneOf` + `const` already decide.
            continue
        else:
            result[keyword] = value
    return result


def _format_pattern(fmt: Any, schema: Mapping[str, Any]) -> dict[str, str]:
    pattern = FORMAT_PATTERNS.get(fmt) if isinstance(fmt, str) else None
    if pattern is None:
        raise ValueError(f"no portable pattern for format {fmt!r}: add one to FORMAT_PATTERNS")
    if "pattern" in schema:
        raise ValueError(f"format {fmt!r} next to a pattern cannot be made portable")
    return {"pattern": pattern}


def model_schemas(
    models: Iterable[type[BaseModel]], ref_template: str
) -> tuple[dict[type[BaseModel], str], dict[str, Any]]:
    """JSON Schemas (validation mode, wire aliases) of `models` sharing one set of definitions.

    Returns each model's `$ref` (built with `ref_template`, e.g. "#/$defs/{model}")
    and the definitions, made portable.
    """
    models = list(models)
    refs, top = models_json_schema(
        [(model, "validation") for model in models], ref_template=ref_template
    )
    return (
        {model: refs[(model, "validation")]["$ref"] for model in models},
        {name: portable(schema) for name, schema in top.get("$defs", {}).items()},
    )


def topic_json_schema(spec: TopicSpec) -> dict[str, Any]:
    """The JSON Schema of one topic's records, in the layout Tansu's registry expects.

    The record value is the signed envelope; `producer` is limited to the
    principals allowed on the topic (the authority chain, PART2-001: the CRM can
    only ever write `crm.events`), `type` to the topic's message types, and `data`
    is validated against the model named by `type`.
    """
    return {
        "$schema": DIALECT,
        "$id": f"urn:govmesh:topic:{spec.name}",
        "title": f"{spec.name} record",
        "description": (
            f"{spec.description} Key: {spec.key} (a plain string, not checked here)."
        ).strip(),
        "type": "object",
        "properties": {"value": _value_schema(spec)},
        "required": ["value"],
    }


def _value_schema(spec: TopicSpec) -> dict[str, Any]:
    if not spec.producers:
        raise ValueError(f"topic {spec.name!r} has no producer: nobody could ever write it")
    types = sorted(spec.value_types, key=lambda t: t.TYPE)
    refs, defs = model_schemas([Envelope, *types], _DEFS_PREFIX + "{model}")
    envelope = defs.pop(refs[Envelope].removeprefix(_DEFS_PREFIX))
    names = [t.TYPE for t in types]

    properties = dict(envelope["properties"])
    properties["type"] = {"title": "Type", "type": "string", "enum": names}
    properties["producer"] = {
        "title": "Producer",
        "type": "string",
        "enum": sorted(p.value for p in spec.producers),
    }
    # Consumers refuse unsigned envelopes anyway; the broker refuses them first.
    properties["signature"] = {"title": "Signature", "type": "string", "minLength": 1}
    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": f"urn:govmesh:topic:{spec.name}:value",
        "title": f"{spec.name} envelope",
        "description": envelope.get("description", ""),
        "type": "object",
        "properties": properties,
        "required": list(dict.fromkeys([*envelope["required"], "signature"])),
        "additionalProperties": envelope.get("additionalProperties", False),
    }
    if len(types) == 1:
        properties["data"] = {"$ref": refs[types[0]]}
    else:
        properties["data"] = {"title": "Data", "type": "object"}
        schema["allOf"] = [
            {
                "if": {"properties": {"type": {"const": t.TYPE}}, "required": ["type"]},
                "then": {"properties": {"data": {"$ref": refs[t]}}},
            }
            for t in types
        ]
    schema["$defs"] = defs
    return _prune_defs(schema)


def _prune_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop definitions nothing refers to any more (e.g. `Principal`, replaced by an enum)."""
    defs: dict[str, Any] = schema["$defs"]
    body = {k: v for k, v in schema.items() if k != "$defs"}
    reachable: set[str] = set()
    pending = _local_refs(body)
    while pending:
        name = pending.pop()
        if name not in reachable:
            reachable.add(name)
            pending |= _local_refs(defs[name])
    return {**body, "$defs": {name: d for name, d in defs.items() if name in reachable}}


def _local_refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {
            ref.removeprefix(_DEFS_PREFIX)
            for key, ref in node.items()
            if key == "$ref" and isinstance(ref, str) and ref.startswith(_DEFS_PREFIX)
        }
        for value in node.values():
            found |= _local_refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_local_refs(item) for item in node))
    return set()


def render_json(schema: Mapping[str, Any]) -> str:
    """Deterministic text of a schema as committed and as handed to the broker."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schema_files() -> dict[str, str]:
    """File name (`<topic>.json`) -> content, for every topic in the registry."""
    return {f"{name}.json": render_json(topic_json_schema(spec)) for name, spec in TOPICS.items()}


def write_schemas(directory: Path) -> list[Path]:
    """Write `<topic>.json` for every topic into `directory` (e.g. Tansu's registry dir)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, content in schema_files().items():
        path = directory / file_name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written

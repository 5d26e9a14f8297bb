"""The AsyncAPI 3.0.0 document of the whole mesh, derived from `TOPICS`.

One channel per topic (address = topic name), one message per message type (its
payload is the envelope with `type` fixed and `data` the model), and one operation
per principal and topic: `send` for every allowed producer, `receive` for every
consumer. Payload schemas are made portable exactly as the broker's JSON Schemas
are, so the document and the broker agree on what a valid message is.

Regenerate the committed copies (`docs/asyncapi.yaml`, `docs/schemas/`) with
`python -m govmesh.schemas.asyncapi` from the repository root.
"""

from __future__ import annotations

from typing import Any

import yaml

from govmesh.schemas.common import Message, Principal
from govmesh.schemas.envelope import SCHEMA_VERSION, Envelope
from govmesh.schemas.jsonschema import model_schemas
from govmesh.schemas.topics import TOPICS, TopicSpec, message_types

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
CONTENT_TYPE = "application/json"
_SCHEMAS = "#/components/schemas/"

_DESCRIPTION = """\
govmesh turns CRM, support and alerting feedback into governed, auditable changes.
Every record value is a signed JSON envelope: `data` is the message named by `type`,
`producer` is the principal that wrote it and `signature` is Ed25519 over the RFC 8785
encoding of every other field. Each principal may send only on the channels listed
under its operations; consumers refuse anything else to their dead-letter topic.
Generated from the topic registry in `govmesh.schemas.topics`: do not edit by hand.
"""


def operation_id(principal: Principal, action: str, topic_name: str) -> str:
    """The id of one principal's `send` or `receive` operation on one topic."""
    return f"{principal.value}.{action}.{topic_name}"


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of every topic, message and principal operation."""
    types = dict(sorted(message_types().items()))
    refs, schemas = model_schemas([Envelope, *types.values()], _SCHEMAS + "{model}")
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "govmesh", "version": SCHEMA_VERSION, "description": _DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "channels": {spec.name: _channel(spec) for spec in TOPICS.values()},
        "operations": _operations(),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": {
                name: _message(model, refs[Envelope], refs[model]) for name, model in types.items()
            },
        },
    }


def _channel(spec: TopicSpec) -> dict[str, Any]:
    return {
        "address": spec.name,
        "description": f"{spec.description} Key: `{spec.key}`.",
        "messages": {
            name: {"$ref": f"#/components/messages/{name}"} for name in sorted(spec.types_by_name)
        },
        "bindings": {
            "kafka": {
                "topic": spec.name,
                "partitions": spec.partitions,
                "topicConfiguration": {"cleanup.policy": [spec.cleanup]},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-govmesh-key": spec.key,
    }


def _operations() -> dict[str, Any]:
    """Grouped by principal, so the document reads as each service's contract."""
    operations: dict[str, Any] = {}
    for principal in Principal:
        for spec in TOPICS.values():
            for action, allowed in (("send", spec.producers), ("receive", spec.consumers)):
                if principal in allowed:
                    operations[operation_id(principal, action, spec.name)] = _operation(
                        principal, action, spec
                    )
    return operations


def _operation(principal: Principal, action: str, spec: TopicSpec) -> dict[str, Any]:
    verb = "sends to" if action == "send" else "receives from"
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{spec.name}"},
        "summary": f"{principal.value} {verb} {spec.name}",
        "messages": [
            {"$ref": f"#/channels/{spec.name}/messages/{name}"}
            for name in sorted(spec.types_by_name)
        ],
        "tags": [{"name": principal.value}],
    }


def _message(model: type[Message], envelope_ref: str, data_ref: str) -> dict[str, Any]:
    message: dict[str, Any] = {"name": model.TYPE, "title": model.TYPE}
    if model.__doc__:
        message["summary"] = " ".join(model.__doc__.split())
    message["contentType"] = CONTENT_TYPE
    message["payload"] = {
        "allOf": [
            {"$ref": envelope_ref},
            {
                "type": "object",
                "properties": {
                    "type": {"const": model.TYPE},
                    "data": {"$ref": data_ref},
                    "signature": {"type": "string", "minLength": 1},
                },
                "required": ["type", "data", "signature"],
            },
        ]
    }
    return message


class _Dumper(yaml.SafeDumper):
    """Never emits anchors/aliases, so equal sub-trees stay spelled out and diffs stay local."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def render_yaml(document: dict[str, Any] | None = None) -> str:
    """Deterministic YAML of `document` (default: the mesh's AsyncAPI document)."""
    return yaml.dump(
        asyncapi_document() if document is None else document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


if __name__ == "__main__":
    from govmesh.schemas.generate import main

    raise SystemExit(main())

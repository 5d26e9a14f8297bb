"""Builders for ingest unit tests: a valid raw CRM event and ways to break one field."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
_MISSING = object()


def raw_event(label: str = "a", *, at: datetime = NOW) -> dict[str, Any]:
    """A CRM event as a client would post it; it passes every SPEC §2 limit at `at`."""
    return {
        "envelope": {
            "event_id": "0b6f1e2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
            "schema_version": "1.0.0",
            "event_type": "feedback",
            "source": "crm_feedback",
            "source_timestamp": (at - timedelta(hours=1)).isoformat(),
            "idempotency_key": f"key-{label}",
        },
        "attribution": {
            "source_system": "crm-eu",
            "source_reference": f"ticket-{label}",
            "submitter_type": "human",
            "submitter_id": "agent-42",
        },
        "payload": {
            "subject": "Please enable log search",
            "body": "Turn on LOGS_LIST for tenant acme.",
            "structured_data": {"tenant": "acme"},
            "tenant_context": {"tenant_id": "acme", "environment": "prod"},
            "attachments": [{"type": "screenshot", "reference": "s3://b/k.png", "size_bytes": 10}],
        },
        "hints": {"_semantics": "NON_AUTHORITATIVE", "priority_hint": "normal"},
    }


def with_field(raw: dict[str, Any], path: str, value: Any = _MISSING) -> dict[str, Any]:
    """A copy of `raw` with the dotted `path` set to `value`, or removed when no value."""
    out = copy.deepcopy(raw)
    *parents, last = path.split(".")
    node: Any = out
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if value is _MISSING:
        del node[last]
    else:
        node[last] = value
    return out

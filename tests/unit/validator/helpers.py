"""Builders for the Validator's unit tests: events, the demo registry, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from govmesh.schemas import CrmEvent, ValidatorVerdict
from govmesh.validator.domain import RegistrySnapshot

DATA = Path(__file__).resolve().parents[2] / "data"
NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)


def build_event(
    subject: str,
    body: str | None = None,
    *,
    source: str = "crm_feedback",
    event_type: str = "feedback",
    structured: dict[str, Any] | None = None,
    hints: dict[str, Any] | None = None,
) -> CrmEvent:
    """A valid CRM event; the body defaults to the subject."""
    payload: dict[str, Any] = {"subject": subject, "body": body if body is not None else subject}
    if structured is not None:
        payload["structured_data"] = structured
    data: dict[str, Any] = {
        "envelope": {
            "event_id": "0b7f8c52-5f4e-4b53-9a44-2f0c3b1d9e01",
            "schema_version": "1.0.0",
            "event_type": event_type,
            "source": source,
            "source_timestamp": "2025-06-03T11:00:00Z",
            "idempotency_key": "unit-test",
        },
        "attribution": {
            "source_system": "unit",
            "source_reference": "UNIT-1",
            "submitter_type": "human",
        },
        "payload": payload,
    }
    if hints is not None:
        data["hints"] = {"_semantics": "NON_AUTHORITATIVE", **hints}
    return CrmEvent.model_validate(data)


def load_demo_registry(version: int = 7) -> RegistrySnapshot:
    """The registry of `tests/data/demo_registry.yaml` at `version`."""
    document = yaml.safe_load((DATA / "demo_registry.yaml").read_text(encoding="utf-8"))
    return RegistrySnapshot.from_document(document, version)


def evidence_with(verdict: ValidatorVerdict, prefix: str) -> list[str]:
    """The verdict's evidence entries that start with `prefix`."""
    return [e for e in verdict.evidence if e.startswith(prefix)]

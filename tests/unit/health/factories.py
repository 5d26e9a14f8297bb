"""Alertmanager payloads from the fixtures in tests/data/alertmanager, and a fixed time."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govmesh.health.domain import AlertmanagerAlert, AlertmanagerPayload

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "alertmanager"
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def raw_payload(name: str) -> dict[str, Any]:
    """A fixture as parsed JSON (a fresh copy, safe to edit)."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def payload(name: str) -> AlertmanagerPayload:
    return AlertmanagerPayload.model_validate(raw_payload(name))


def alert(
    status: str = "firing",
    *,
    fingerprint: str = "f00d",
    starts_at: str = "2025-06-02T08:55:00Z",
    summary: str = "",
    **labels: str,
) -> AlertmanagerAlert:
    """One alert in the webhook's wire shape; labels default to an alertname only."""
    return AlertmanagerAlert.model_validate(
        {
            "status": status,
            "labels": {"alertname": "TestAlert", **labels},
            "annotations": {"summary": summary} if summary else {},
            "startsAt": starts_at,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example.org:9090/graph",
            "fingerprint": fingerprint,
        }
    )

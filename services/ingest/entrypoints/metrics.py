"""Ingest's own Prometheus counter (the runtime's shared metrics cover Kafka and the DLQ)."""

from __future__ import annotations

from prometheus_client import Counter

SUBMISSIONS = Counter(
    "govmesh_ingest_submissions_total",
    "CRM events by way in and outcome (accepted, recurrence, duplicate, or the error code).",
    ["ingress", "outcome"],
)

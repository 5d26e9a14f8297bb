"""Prometheus metrics of the validator (the runtime's shared metrics cover Kafka and the DLQ)."""

from __future__ import annotations

from prometheus_client import Histogram

# SPEC §12 monitoring point (read by deploy/helm/govmesh/files/alerts.yaml).
VALIDATION_MS = Histogram(
    "govmesh_validator_duration_ms",
    "Time to judge one issue or revision (alert: p99 > 5000 ms).",
    buckets=(1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000),
)

"""Prometheus metrics of the auditor (`govmesh_auditor_*`)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

VERDICTS = Counter(
    "govmesh_auditor_verdicts_total", "Audit verdicts published, by verdict.", ["verdict"]
)
RETRIES = Counter("govmesh_auditor_retries_total", "INCONCLUSIVE audits retried (attempt 2).")
TIMEOUTS = Counter(
    "govmesh_auditor_timeouts_total", "Audits that ran out of budget (INCONCLUSIVE)."
)
SKIPPED = Counter(
    "govmesh_auditor_job_events_skipped_total",
    "Job events that are not a completed execution job (nothing to audit, SM-002).",
)
# SPEC §12 monitoring point (read by deploy/helm/govmesh/files/alerts.yaml).
AUDIT_DURATION_MS = Histogram(
    "govmesh_audit_duration_ms",
    "The duration each verdict reports (alert: p99 > 30000 ms).",
    buckets=(10, 50, 100, 500, 1_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000),
)
AUDIT_SECONDS = Histogram(
    "govmesh_auditor_audit_seconds",
    "Time from taking a job event to its verdict, retry and waits included.",
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 240, 300),
)

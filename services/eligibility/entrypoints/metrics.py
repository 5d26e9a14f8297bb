"""Eligibility metrics (process-wide, defined once at import)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

VERDICTS = Counter(
    "govmesh_eligibility_verdicts_total",
    "Eligibility verdicts published, by decision and first failing rule (none for MAY).",
    ["decision", "rule"],
)
PENDING_CLAIMS = Gauge(
    "govmesh_eligibility_pending_claims",
    "E-006 claims of MAY verdicts whose contracts are not yet on contracts.lifecycle.",
)
DECISION_SECONDS = Histogram(
    "govmesh_eligibility_decision_seconds",
    "Time to evaluate every SPEC §4 rule for one proposal.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1),
)
PUBLISH_RETRIES = Counter(
    "govmesh_eligibility_publish_retries_total",
    "Verdict batches whose publication failed transiently and was retried.",
)

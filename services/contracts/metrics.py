"""The contract authority's own Prometheus metrics (the runtime's cover Kafka and the DLQ)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

TRANSITIONS = Counter(
    "govmesh_contracts_transitions_total",
    "Contract status changes by from and to status.",
    ["from_status", "to_status"],
)
DECISIONS = Counter(
    "govmesh_contracts_decisions_total",
    "Founder decisions by action and result (APPLIED, RECORDED, REFUSED) and rule.",
    ["action", "result", "rule"],
)
TIMERS_FIRED = Counter(
    "govmesh_contracts_timers_total",
    "Timers run by kind and the state they ended in (FIRED, CANCELLED, FAILED).",
    ["kind", "state"],
)

# SPEC §12 monitoring points (read by deploy/helm/govmesh/files/alerts.yaml).
PENDING = Gauge(
    "govmesh_contracts_pending", "Contracts no founder has decided yet (alert: more than 100)."
)
AWAITING_REVIEW_OLDEST = Gauge(
    "govmesh_contracts_awaiting_review_oldest_seconds",
    "How long the longest-waiting ELIGIBLE contract has awaited review (alert: 3 days).",
)

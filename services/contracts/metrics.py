"""The contract authority's own Prometheus metrics (the runtime's cover Kafka and the DLQ)."""

from __future__ import annotations

from prometheus_client import Counter

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

"""Prometheus metrics of the outcome part (audits, rollouts, rollbacks, incidents)."""

from __future__ import annotations

from prometheus_client import Counter

VERDICTS = Counter(
    "govmesh_contracts_audit_verdicts_total",
    "Audit verdicts received, by verdict and whether they were applied or kept as evidence.",
    ["verdict", "result"],
)
ROLLOUTS = Counter(
    "govmesh_contracts_rollout_moves_total",
    "Rollout state changes (SPEC §9) by the state reached.",
    ["to_state"],
)
ROLLBACKS = Counter(
    "govmesh_contracts_rollbacks_total",
    "Rollback jobs requested by contracts or reported by the executor, by status.",
    ["status"],
)
INCIDENTS = Counter(
    "govmesh_contracts_incidents_total",
    "Incidents opened, by kind.",
    ["kind"],
)

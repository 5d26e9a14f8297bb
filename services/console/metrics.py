"""The console's own Prometheus counters (the runtime's shared metrics cover Kafka)."""

from __future__ import annotations

from prometheus_client import Counter

DECISIONS = Counter(
    "govmesh_console_decisions_total",
    "Founder actions by action and outcome (submitted, or the rule/field that refused it).",
    ["action", "outcome"],
)
SIGNALS = Counter(
    "govmesh_console_signals_total", "Governance signals published by outcome.", ["outcome"]
)
LOGINS = Counter("govmesh_console_logins_total", "Web console logins by outcome.", ["outcome"])

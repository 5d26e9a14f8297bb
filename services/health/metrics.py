"""The health service's own Prometheus metrics (the runtime's cover Kafka and the DLQ)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

STATUS = Gauge(
    "govmesh_health_status",
    "Published health per scope: 0 healthy, 1 degraded, 2 unhealthy, 3 unknown.",
    ["scope"],
)
ALERTS_RECEIVED = Counter(
    "govmesh_health_alerts_received_total",
    "Alerts received on the Alertmanager webhook, by alert status and outcome.",
    ["status", "outcome"],
)
WEBHOOKS = Counter(
    "govmesh_health_webhooks_total",
    "Alertmanager webhook calls by outcome (accepted or the error code).",
    ["outcome"],
)
OVERRIDES = Counter(
    "govmesh_health_overrides_total",
    "Override requests by outcome (set, cleared or the error code).",
    ["outcome"],
)
SIGNALS = Counter(
    "govmesh_health_signals_published_total",
    "HealthSignals published, by trigger (change or heartbeat).",
    ["trigger"],
)

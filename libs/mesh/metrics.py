"""Prometheus metrics shared by every service (one process-wide registry)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONSUMED = Counter(
    "govmesh_messages_consumed_total", "Messages verified and handled.", ["consumer", "topic"]
)
PRODUCED = Counter("govmesh_messages_produced_total", "Messages published.", ["producer", "topic"])
DEAD_LETTERS = Counter(
    "govmesh_dead_letters_total", "Messages refused and sent to a DLQ.", ["consumer", "reason"]
)
AUTHORITY_VIOLATIONS = Counter(
    "govmesh_authority_violations_total",
    "Messages whose producer may not write the topic or whose signature fails.",
    ["topic", "claimed_producer"],
)
HANDLER_SECONDS = Histogram(
    "govmesh_batch_handler_seconds", "Time to handle one fetched batch.", ["consumer"]
)
CONSUMER_LAG = Gauge(
    "govmesh_consumer_lag", "Records behind the partition end.", ["consumer", "topic", "partition"]
)
OUTBOX_PENDING = Gauge("govmesh_outbox_pending", "Outbox rows not yet published.", ["service"])
RETRIES = Counter("govmesh_retries_total", "Transient failures retried.", ["component"])
PRUNED = Counter(
    "govmesh_pruned_rows_total",
    "Published outbox rows and remembered inbox ids deleted after their retention.",
    ["service", "table"],
)

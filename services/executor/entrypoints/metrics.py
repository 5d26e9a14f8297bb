"""The executor's own Prometheus metrics (the runtime's shared metrics cover Kafka and the DLQ)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS = Counter(
    "govmesh_executor_jobs_total",
    "Jobs finished, by kind and the status their FINISHED event reported.",
    ["kind", "status"],
)
STEPS = Counter(
    "govmesh_executor_steps_total",
    "Step outcomes by step type, adapter and status.",
    ["type", "adapter", "status"],
)
HEALTH_GATE_BLOCKS = Counter(
    "govmesh_executor_health_gate_blocks_total",
    "Jobs failed because the health gate blocked a step (JOB-002).",
)
ADMISSIONS = Counter(
    "govmesh_executor_admissions_total",
    "Requests on jobs.requested by outcome (NEW, DUPLICATE, or the refusing rule).",
    ["outcome"],
)
CANCELS = Counter("govmesh_executor_cancels_total", "Cancel requests by outcome.", ["outcome"])
RESUMED = Counter(
    "govmesh_executor_jobs_resumed_total", "Jobs taken over after their lease expired."
)
JOB_ERRORS = Counter(
    "govmesh_executor_job_errors_total", "Job tasks that stopped on an unexpected error."
)
RUNNING = Gauge("govmesh_executor_jobs_running", "Jobs this process is driving now.")

# SPEC §12 monitoring points (read by deploy/helm/govmesh/files/alerts.yaml).
JOB_DURATION_MS = Histogram(
    "govmesh_job_duration_ms",
    "Time from a job's start to its finish, by kind (alert: p99 > 60000 ms).",
    ["kind"],
    buckets=(100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000),
)
ROLLBACKS = Counter(
    "govmesh_rollbacks_total", "Rollback jobs started (alert: more than 5 in an hour)."
)

"""SQLAlchemy Core views of the executor schema (created by `migrations/executor_0001_jobs`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

#: The governed registry: one row per capability plus the row named SYSTEM (config only).
registry = sa.Table(
    "registry",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("lifecycle", sa.Text),
    sa.Column("frozen", sa.Boolean, nullable=False),
    sa.Column("qualifier", sa.Text),
    sa.Column("config", JSONB, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("rolls_back_job_id", sa.Uuid),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text),
    sa.Column("request", JSONB, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("error_rule", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("health_before", JSONB),
    sa.Column("health_after", JSONB),
    sa.Column("registry_before", JSONB),
    sa.Column("registry_after", JSONB),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("claims", sa.Integer, nullable=False),
    sa.Column("executed_by", sa.Text),
    sa.Column("causation_id", sa.Uuid),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

job_steps = sa.Table(
    "job_steps",
    metadata,
    sa.Column("job_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("adapter", sa.Text, nullable=False),
    sa.Column("idempotency_key", sa.Uuid, nullable=False),
    sa.Column("record", JSONB, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: Registry-adapter writes by idempotency key: a re-run of the same step is a no-op (§11).
step_effects = sa.Table(
    "step_effects",
    metadata,
    sa.Column("idempotency_key", sa.Uuid, primary_key=True),
    sa.Column("job_id", sa.Uuid, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("outcome", JSONB, nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

"""SQLAlchemy Core views of the ingest schema (created by `migrations/ingest_0001_issues`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

issues = sa.Table(
    "issues",
    metadata,
    sa.Column("issue_id", sa.Uuid, primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("idempotency_key", sa.Text, nullable=False),
    sa.Column("source_system", sa.Text, nullable=False),
    sa.Column("source_reference", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("recurrence_of", sa.Uuid),
    sa.Column("ingress", sa.Text, nullable=False),
    sa.Column("source_timestamp", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("event", JSONB, nullable=False),
)

issue_events = sa.Table(
    "issue_events",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("issue_id", sa.Uuid, nullable=False),
    sa.Column("from_status", sa.Text),
    sa.Column("to_status", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("causation_id", sa.Uuid),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("idempotency_key", sa.Text, primary_key=True),
    sa.Column("issue_id", sa.Uuid, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

source_references = sa.Table(
    "source_references",
    metadata,
    sa.Column("source_system", sa.Text, primary_key=True),
    sa.Column("source_reference", sa.Text, primary_key=True),
    sa.Column("issue_id", sa.Uuid, nullable=False),
)

issue_contracts = sa.Table(
    "issue_contracts",
    metadata,
    sa.Column("contract_id", sa.Uuid, primary_key=True),
    sa.Column("issue_id", sa.Uuid, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("status_reason", sa.Text),
    sa.Column("proposed_changes", JSONB),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

issue_transitions = sa.Table(
    "issue_transitions",
    metadata,
    sa.Column("from_status", sa.Text, primary_key=True),
    sa.Column("to_status", sa.Text, primary_key=True),
)

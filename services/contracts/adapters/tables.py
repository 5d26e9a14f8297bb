"""SQLAlchemy Core views of the contracts schema (created by `migrations/contracts_0001`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()

contracts = sa.Table(
    "contracts",
    metadata,
    sa.Column("contract_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("issue_id", sa.Uuid, nullable=False),
    sa.Column("parent_contract_id", sa.Uuid),
    sa.Column("capabilities", ARRAY(sa.Text), nullable=False),
    sa.Column("audit_verdict", sa.Text, nullable=False),
    sa.Column("approved_by", JSONB, nullable=False),
    sa.Column("job_id", sa.Uuid),
    sa.Column("confidence_score", sa.Float),
    sa.Column("snapshot", JSONB, nullable=False),
    sa.Column("event", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

contract_transitions = sa.Table(
    "contract_transitions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("from_status", sa.Text),
    sa.Column("to_status", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("causation_id", sa.Uuid),
)

capability_claims = sa.Table(
    "capability_claims",
    metadata,
    sa.Column("capability", sa.Text, primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
)

review_events = sa.Table(
    "review_events",
    metadata,
    sa.Column("decision_id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("session_id", sa.Text, nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("rule", sa.Text),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("record", JSONB, nullable=False),
)

timers = sa.Table(
    "timers",
    metadata,
    sa.Column("timer_key", sa.Text, primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("payload", JSONB, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("fired_at", sa.DateTime(timezone=True)),
)

"""SQLAlchemy Core views of the outcome tables (created by `migrations/contracts_0002`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

#: Every AuditVerdict received, as sent; immutable (AUDIT-004, enforced by a trigger).
audits = sa.Table(
    "audits",
    metadata,
    sa.Column("audit_id", sa.Uuid, primary_key=True),
    sa.Column("job_id", sa.Uuid, nullable=False),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("verdict", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("auditor_version", sa.Text, nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("audited_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("checks", JSONB, nullable=False),
    sa.Column("counts", JSONB, nullable=False),
    sa.Column("evidence", JSONB, nullable=False),
    sa.Column("health_before", JSONB),
    sa.Column("health_after", JSONB),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("standing", sa.Boolean, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

#: Human resolutions (INCONCLUSIVE) and acknowledgements (FAIL): separate, append-only rows.
audit_reviews = sa.Table(
    "audit_reviews",
    metadata,
    sa.Column("audit_id", sa.Uuid, primary_key=True),
    sa.Column("decision_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("session_id", sa.Text, nullable=False),
    sa.Column("context", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

#: One rollout per contract (SPEC §9); its moves are enforced by a trigger.
rollouts = sa.Table(
    "rollouts",
    metadata,
    sa.Column("contract_id", sa.Uuid, primary_key=True),
    sa.Column("job_id", sa.Uuid, nullable=False),
    sa.Column("audit_id", sa.Uuid, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("baseline", JSONB, nullable=False),
    sa.Column("deployed_at", sa.DateTime(timezone=True)),
    sa.Column("bake_until", sa.DateTime(timezone=True)),
    sa.Column("checks", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: Append-only history of rollout moves (evidence, GATE-9).
rollout_transitions = sa.Table(
    "rollout_transitions",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("from_state", sa.Text),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("causation_id", sa.Uuid),
)

#: Jobs of a contract as the executor reported them, and rollbacks contracts requested.
job_outcomes = sa.Table(
    "job_outcomes",
    metadata,
    sa.Column("job_id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("rolls_back_job_id", sa.Uuid),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("error", sa.Text),
    sa.Column("steps", JSONB, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: Incidents: opened once per (kind, subject), linked to contract / job / audit, acknowledged.
incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("incident_id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("job_id", sa.Uuid),
    sa.Column("audit_id", sa.Uuid),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("rule", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("causation_id", sa.Uuid),
    sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
    sa.Column("acknowledged_by", sa.Text),
    sa.Column("acknowledgement", sa.Text),
)

"""Audits, their human reviews, rollouts, job outcomes and incidents (SPEC §8, §9).

Revision ID: contracts_0002
Revises: contracts_0001

- `audits`: every AuditVerdict received, immutable — a trigger refuses UPDATE and DELETE
  (AUDIT-004: a PASS is never revoked, a FAIL never overridden). `standing` marks the
  verdict applied to the contract (the first for its job).
- `audit_reviews`: RESOLVE_AUDIT / ACKNOWLEDGE_AUDIT, one per audit, append-only.
- `rollouts` + `rollout_transitions`: SPEC §9 per contract; a trigger refuses a state
  change the rollout table (`govmesh.contracts.domain.rollout.TABLE`) does not list;
  the history is append-only.
- `job_outcomes`: execution and rollback jobs as the executor reported them.
- `incidents`: one per (kind, subject); only the acknowledgement may be set, once.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from govmesh.contracts.domain.rollout import RolloutState, allowed_pairs

revision = "contracts_0002"
down_revision = "contracts_0001"
branch_labels = None
depends_on = None

VERDICTS = ("PASS", "FAIL", "INCONCLUSIVE")
REVIEW_ACTIONS = ("RESOLVE_AUDIT", "ACKNOWLEDGE_AUDIT")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_changes(table: str, rule: str, what: str) -> None:
    function = f"{table}_immutable"
    op.execute(
        f"""
        CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{rule}: {what} (% refused)', TG_OP
                USING ERRCODE = 'check_violation';
        END $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )


def upgrade() -> None:
    op.create_table(
        "audits",
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
        sa.CheckConstraint(_in("verdict", VERDICTS), name="audits_verdict_known"),
    )
    op.create_index("audits_job", "audits", ["job_id", "received_at"])
    op.create_index("audits_contract", "audits", ["contract_id"])
    # At most one standing verdict per job: the one the contract's outcome rests on.
    op.create_index(
        "audits_one_standing",
        "audits",
        ["job_id"],
        unique=True,
        postgresql_where=sa.text("standing"),
    )
    _refuse_changes("audits", "AUDIT-004", "audit verdicts are immutable")

    op.create_table(
        "audit_reviews",
        sa.Column("audit_id", sa.Uuid, sa.ForeignKey("audits.audit_id"), primary_key=True),
        sa.Column("decision_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("contract_id", sa.Uuid, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("context", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("action", REVIEW_ACTIONS), name="audit_reviews_action"),
    )
    _refuse_changes("audit_reviews", "AUDIT-004", "audit reviews are append-only")

    states = tuple(s.value for s in RolloutState)
    op.create_table(
        "rollouts",
        sa.Column("contract_id", sa.Uuid, primary_key=True),
        sa.Column("job_id", sa.Uuid, nullable=False),
        sa.Column("audit_id", sa.Uuid, sa.ForeignKey("audits.audit_id"), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("baseline", JSONB, nullable=False),
        sa.Column("deployed_at", sa.DateTime(timezone=True)),
        sa.Column("bake_until", sa.DateTime(timezone=True)),
        sa.Column("checks", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("state", states), name="rollouts_state_known"),
        sa.CheckConstraint(
            "state NOT IN ('DEPLOYED', 'VERIFIED') OR deployed_at IS NOT NULL",
            name="rollouts_deployed_has_time",
        ),
    )
    pairs = ", ".join(f"('{a.value}', '{b.value}')" for a, b in sorted(allowed_pairs()))
    op.execute(
        f"""
        CREATE FUNCTION rollouts_enforce_table() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'ROLLOUT-TABLE: rollouts are never deleted'
                    USING ERRCODE = 'check_violation';
            END IF;
            IF NEW.state IS DISTINCT FROM OLD.state
                    AND NOT ((OLD.state, NEW.state) IN ({pairs})) THEN
                RAISE EXCEPTION 'ROLLOUT-TABLE: rollout % -> % is not allowed',
                    OLD.state, NEW.state USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER rollouts_enforce_table BEFORE UPDATE OR DELETE ON rollouts "
        "FOR EACH ROW EXECUTE FUNCTION rollouts_enforce_table()"
    )
    op.create_table(
        "rollout_transitions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("rollouts.contract_id"), nullable=False),
        sa.Column("from_state", sa.Text),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("causation_id", sa.Uuid),
    )
    op.create_index("rollout_transitions_contract", "rollout_transitions", ["contract_id", "id"])
    _refuse_changes("rollout_transitions", "GATE-9", "rollout history is append-only")

    op.create_table(
        "job_outcomes",
        sa.Column("job_id", sa.Uuid, primary_key=True),
        sa.Column("contract_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("rolls_back_job_id", sa.Uuid),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("error", sa.Text),
        sa.Column("steps", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("job_outcomes_contract", "job_outcomes", ["contract_id"])
    op.create_index("job_outcomes_rolls_back", "job_outcomes", ["rolls_back_job_id"])

    op.create_table(
        "incidents",
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
        sa.CheckConstraint(
            "(acknowledged_at IS NULL) = (acknowledged_by IS NULL)",
            name="incidents_acknowledged_by_someone",
        ),
    )
    op.create_index("incidents_opened", "incidents", ["opened_at"])
    op.create_index("incidents_contract", "incidents", ["contract_id"])
    op.create_index("incidents_audit", "incidents", ["audit_id"])
    # What was opened stays as opened; the acknowledgement is set once, never undone.
    op.execute(
        """
        CREATE FUNCTION incidents_acknowledge_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'GATE-9: incidents are never deleted'
                    USING ERRCODE = 'check_violation';
            END IF;
            IF (NEW.incident_id, NEW.contract_id, NEW.job_id, NEW.audit_id, NEW.kind, NEW.rule,
                NEW.message, NEW.opened_at, NEW.causation_id)
                IS DISTINCT FROM (OLD.incident_id, OLD.contract_id, OLD.job_id, OLD.audit_id,
                OLD.kind, OLD.rule, OLD.message, OLD.opened_at, OLD.causation_id)
               OR OLD.acknowledged_at IS NOT NULL THEN
                RAISE EXCEPTION 'GATE-9: an incident only gets acknowledged, once'
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER incidents_acknowledge_only BEFORE UPDATE OR DELETE ON incidents "
        "FOR EACH ROW EXECUTE FUNCTION incidents_acknowledge_only()"
    )


def downgrade() -> None:
    for table, function in (
        ("incidents", "incidents_acknowledge_only"),
        ("rollout_transitions", "rollout_transitions_immutable"),
        ("rollouts", "rollouts_enforce_table"),
        ("audit_reviews", "audit_reviews_immutable"),
        ("audits", "audits_immutable"),
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("incidents")
    op.drop_table("job_outcomes")
    op.drop_table("rollout_transitions")
    op.drop_table("rollouts")
    op.drop_table("audit_reviews")
    op.drop_table("audits")

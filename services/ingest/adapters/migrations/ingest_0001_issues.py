"""Issues, their lifecycle events, the de-duplication claims and the outcomes followed.

Revision ID: ingest_0001
Revises:
Depends on: mesh_0001 (inbox, outbox)

De-duplication is decided by unique keys, not by reading first (SPEC §2):
`idempotency_keys` holds, per key, the latest issue it produced and when; a new key is
claimed with INSERT … ON CONFLICT DO NOTHING, a taken one is locked (FOR UPDATE) and
only moved to a new issue after the 24 h window (a recurrence). `source_references`
does the same for (source_system, source_reference). The issue status CHECK and the
transition trigger mirror `govmesh.ingest.domain.lifecycle.TRANSITIONS`.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "ingest_0001"
down_revision = None
branch_labels = ("ingest",)
depends_on = "mesh_0001"

STATUSES = ("RECEIVED", "VALIDATING", "VALIDATED", "VALIDATION_FAILED", "INVALID")
TRANSITIONS = (
    ("RECEIVED", "VALIDATING"),
    ("VALIDATING", "VALIDATED"),
    ("VALIDATING", "VALIDATION_FAILED"),
    ("RECEIVED", "INVALID"),
)
CONTRACT_STATUSES = (
    "DRAFT",
    "VALIDATED",
    "ELIGIBLE",
    "APPROVED",
    "ACTIVE",
    "COMPLETED",
    "FAILED",
    "REJECTED",
    "EXPIRED",
    "SUPERSEDED",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _deferred_fk(column: str) -> sa.ForeignKey:
    # Deferred: the claim rows are written before the issue they point at, in one transaction.
    return sa.ForeignKey("issues.issue_id", deferrable=True, initially="DEFERRED")


def upgrade() -> None:
    op.create_table(
        "issue_transitions",
        sa.Column("from_status", sa.Text, primary_key=True),
        sa.Column("to_status", sa.Text, primary_key=True),
    )
    op.bulk_insert(
        sa.table("issue_transitions", sa.column("from_status"), sa.column("to_status")),
        [{"from_status": a, "to_status": b} for a, b in TRANSITIONS],
    )
    op.create_table(
        "issues",
        sa.Column("issue_id", sa.Uuid, primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False),
        sa.Column("idempotency_key", sa.Text, nullable=False),
        sa.Column("source_system", sa.Text, nullable=False),
        sa.Column("source_reference", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("recurrence_of", sa.Uuid, _deferred_fk("recurrence_of")),
        sa.Column("ingress", sa.Text, nullable=False),
        sa.Column("source_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", JSONB, nullable=False),
        sa.CheckConstraint(_in("status", STATUSES), name="issues_status_known"),
        sa.CheckConstraint(_in("ingress", ("http", "kafka")), name="issues_ingress_known"),
    )
    op.create_index("issues_idempotency_key", "issues", ["idempotency_key"])
    op.create_index("issues_source_reference", "issues", ["source_system", "source_reference"])
    op.create_index("issues_event_id", "issues", ["event_id"])
    op.create_table(
        "issue_events",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "issue_id", sa.Uuid, sa.ForeignKey("issues.issue_id"), nullable=False, index=True
        ),
        sa.Column("from_status", sa.Text),
        sa.Column("to_status", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("causation_id", sa.Uuid),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("to_status", STATUSES), name="issue_events_status_known"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("idempotency_key", sa.Text, primary_key=True),
        sa.Column("issue_id", sa.Uuid, _deferred_fk("issue_id"), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "source_references",
        sa.Column("source_system", sa.Text, primary_key=True),
        sa.Column("source_reference", sa.Text, primary_key=True),
        sa.Column("issue_id", sa.Uuid, _deferred_fk("issue_id"), nullable=False),
    )
    op.create_table(
        "issue_contracts",
        sa.Column("contract_id", sa.Uuid, primary_key=True),
        sa.Column("issue_id", sa.Uuid, nullable=False, index=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("status_reason", sa.Text),
        sa.Column("proposed_changes", JSONB),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", CONTRACT_STATUSES), name="issue_contracts_status"),
    )
    op.execute(
        """
        CREATE FUNCTION issue_status_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                IF NEW.status <> 'RECEIVED' THEN
                    RAISE EXCEPTION 'an issue is created RECEIVED, not %', NEW.status
                        USING ERRCODE = 'check_violation';
                END IF;
            ELSIF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
                SELECT 1 FROM issue_transitions
                WHERE from_status = OLD.status AND to_status = NEW.status
            ) THEN
                RAISE EXCEPTION 'issue status % -> % is not allowed', OLD.status, NEW.status
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER issues_status_guard BEFORE INSERT OR UPDATE OF status ON issues "
        "FOR EACH ROW EXECUTE FUNCTION issue_status_guard()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER issues_status_guard ON issues")
    op.execute("DROP FUNCTION issue_status_guard()")
    op.drop_table("issue_contracts")
    op.drop_table("source_references")
    op.drop_table("idempotency_keys")
    op.drop_table("issue_events")
    op.drop_table("issues")
    op.drop_table("issue_transitions")

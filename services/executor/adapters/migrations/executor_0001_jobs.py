"""The governed registry, jobs, step records, registry-adapter effects and the job trigger.

Revision ID: executor_0001
Revises:
Depends on: mesh_0001 (inbox, outbox)

The SPEC §7 job table is enforced by a trigger generated from the code's table
(`govmesh.executor.domain.job_sql`). SM-006 is enforced by partial unique indexes: one
execution job per contract, one job in flight per contract, one rollback per job.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from govmesh.executor.domain.job_sql import sql_trigger

revision = "executor_0001"
down_revision = None
branch_labels = ("executor",)
depends_on = "mesh_0001"

STATUSES = (
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "AUDIT_PENDING",
    "ROLLBACK_PENDING",
    "ROLLED_BACK",
    "ROLLBACK_FAILED",
)
STEP_STATUSES = ("PENDING", "RUNNING", "COMPLETED", "FAILED", "SKIPPED")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _at(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "registry",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("lifecycle", sa.Text),
        sa.Column("frozen", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("qualifier", sa.Text),
        sa.Column("config", JSONB, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(
            "lifecycle IN ('PREVIEW', 'LAUNCHED', 'DEPRECATED') OR "
            "(name = 'SYSTEM' AND lifecycle IS NULL)",
            name="registry_lifecycle_known",
        ),
        sa.CheckConstraint("revision >= 1", name="registry_revision_positive"),
    )
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.Uuid, primary_key=True),
        sa.Column("contract_id", sa.Uuid, nullable=False, index=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("rolls_back_job_id", sa.Uuid, sa.ForeignKey("jobs.job_id")),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("request", JSONB, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("error_rule", sa.Text),
        _at("started_at"),
        _at("finished_at"),
        sa.Column("health_before", JSONB),
        sa.Column("health_after", JSONB),
        sa.Column("registry_before", JSONB),
        sa.Column("registry_after", JSONB),
        sa.Column("lease_owner", sa.Text),
        _at("lease_until"),
        sa.Column("claims", sa.Integer, nullable=False, server_default="0"),
        sa.Column("executed_by", sa.Text),
        sa.Column("causation_id", sa.Uuid),
        _at("created_at", nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(_in("status", STATUSES), name="jobs_status_known"),
        sa.CheckConstraint("kind IN ('execution', 'rollback')", name="jobs_kind_known"),
        sa.CheckConstraint(
            "(kind = 'rollback') = (rolls_back_job_id IS NOT NULL)", name="jobs_rollback_target"
        ),
    )
    op.create_index(
        "jobs_one_execution_per_contract",
        "jobs",
        ["contract_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'execution'"),
    )
    op.create_index(
        "jobs_one_in_flight_per_contract",
        "jobs",
        ["contract_id"],
        unique=True,
        postgresql_where=sa.text("status IN ('PENDING', 'RUNNING')"),
    )
    op.create_index(
        "jobs_one_rollback_per_job",
        "jobs",
        ["rolls_back_job_id"],
        unique=True,
        postgresql_where=sa.text("rolls_back_job_id IS NOT NULL"),
    )
    op.create_index(
        "jobs_leases",
        "jobs",
        ["lease_until"],
        postgresql_where=sa.text("status IN ('PENDING', 'RUNNING')"),
    )
    op.create_table(
        "job_steps",
        sa.Column("job_id", sa.Uuid, sa.ForeignKey("jobs.job_id"), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("adapter", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.Uuid, nullable=False, unique=True),
        sa.Column("record", JSONB, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _at("updated_at", nullable=False),
        sa.CheckConstraint(_in("status", STEP_STATUSES), name="job_steps_status_known"),
        sa.CheckConstraint("number >= 1", name="job_steps_number_positive"),
    )
    op.create_table(
        "step_effects",
        sa.Column("idempotency_key", sa.Uuid, primary_key=True),
        sa.Column("job_id", sa.Uuid, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("outcome", JSONB, nullable=False),
        _at("applied_at", nullable=False),
    )
    schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
    # asyncpg runs one statement per call: the function body, then each trigger statement.
    function, _, rest = sql_trigger(schema).partition("$$;\n")
    op.execute(function + "$$")
    for statement in rest.split(";"):
        if statement.strip():
            op.execute(statement)
    # A finished step record never changes again (JOB-004: recorded before the next starts).
    op.execute(
        """
        CREATE FUNCTION job_steps_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status IN ('COMPLETED', 'FAILED', 'SKIPPED') THEN
                RAISE EXCEPTION 'JOB-004: step % of job % is %, a finished record never changes',
                    OLD.number, OLD.job_id, OLD.status USING ERRCODE = 'check_violation';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER job_steps_guard BEFORE UPDATE ON job_steps "
        "FOR EACH ROW EXECUTE FUNCTION job_steps_guard()"
    )


def downgrade() -> None:
    op.drop_table("step_effects")
    op.drop_table("job_steps")
    op.drop_table("jobs")
    op.drop_table("registry")

"""Runtime tables every stateful service has: inbox and outbox.

Revision ID: mesh_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "mesh_0001"
down_revision = None
branch_labels = ("mesh",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column(
            "processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "outbox_unpublished", "outbox", ["id"], postgresql_where=sa.text("published_at IS NULL")
    )


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("inbox")

"""`claims_refused()`: how the one-statement intake undoes itself when a claim is taken.

Revision ID: ingest_0002
Revises: ingest_0001

The fast intake statement (`repository.insert_new_issues`) runs on its own, without a
transaction around it, so that a new issue costs one round trip. When it claims the
idempotency key but finds the source reference taken, nothing of it may remain: it
calls this function, whose error aborts the whole statement, key claim included. The
caller recognises the SQLSTATE and decides in a transaction instead.
"""

from alembic import op

revision = "ingest_0002"
down_revision = "ingest_0001"
branch_labels = None
depends_on = None

SQLSTATE = "GM409"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION claims_refused() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            RAISE EXCEPTION 'the source reference is taken: the new issue is not stored'
                USING ERRCODE = '{SQLSTATE}';
        END $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION claims_refused()")

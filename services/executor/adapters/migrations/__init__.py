"""Alembic revisions of the executor schema (run after the runtime's mesh_0001)."""

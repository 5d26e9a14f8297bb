"""Alembic environment shared by every stateful service (one schema per service)."""

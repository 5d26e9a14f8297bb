"""Alembic revisions of the ingest schema (applied by `govmesh.ingest.app.migrate`)."""

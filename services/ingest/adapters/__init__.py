"""Ingest adapters: the PostgreSQL issue store and its migrations."""

"""Executor adapters: PostgreSQL tables, the health view and the step adapters."""

"""Executor entry points: HTTP read API and metrics."""

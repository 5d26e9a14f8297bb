"""Auditor entry points: the jobs.events consumer."""

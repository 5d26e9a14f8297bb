"""Executor service: runs approved governance jobs step by step behind the health gate (SPEC §7)."""

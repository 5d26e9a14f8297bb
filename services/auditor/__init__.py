"""Auditor service: verifies every completed job against its contract (SPEC §8)."""

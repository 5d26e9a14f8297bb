"""Auditor use cases: gather evidence from the views and judge one job (SPEC §8)."""

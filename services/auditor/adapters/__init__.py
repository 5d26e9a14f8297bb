"""Auditor adapters: in-memory views of the compacted topics the auditor reads."""

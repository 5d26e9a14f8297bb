"""Unit tests of the auditor's pure domain (SPEC §8, §9)."""

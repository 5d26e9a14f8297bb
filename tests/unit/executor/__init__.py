"""Unit tests of the executor's pure domain (SPEC §7)."""

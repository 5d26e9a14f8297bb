"""Validator entrypoints: the issue consumer."""

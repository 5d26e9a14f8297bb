"""Refusals raised by the auditor's domain rules; none of them is retryable."""

from __future__ import annotations


class AuditorRefusal(Exception):
    """A domain rule refused an operation; `rule` is the SPEC (or local) rule ID."""

    retryable = False

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message

"""Refusals raised by the executor's domain rules.

Every refusal names the rule it enforces so the caller can log, count and report it.
None of them is retryable: the same input will be refused again.
"""

from __future__ import annotations


class ExecutorRefusal(Exception):
    """A domain rule refused an operation; `rule` is the SPEC (or local) rule ID."""

    retryable = False

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


class JobTransitionRefused(ExecutorRefusal):
    """A job status change that the SPEC §7 table does not allow."""


class JobAdmissionRefused(ExecutorRefusal):
    """A requested job that must not run (SM-006, activation window)."""


class RegistryRecordError(ExecutorRefusal):
    """Registry records that cannot form a consistent governed registry."""

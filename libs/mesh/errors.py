"""One error root; the subclass says whether a retry can help."""

from __future__ import annotations


class GovmeshError(Exception):
    """Root of every error govmesh raises on purpose."""

    retryable: bool = False


class RetryableError(GovmeshError):
    """Transient: the same work may succeed later (broker or database unavailable, timeouts)."""

    retryable = True


class PermanentError(GovmeshError):
    """The same input will always fail: dead-letter it, never retry."""


class ConfigurationError(PermanentError):
    """The service is configured to do something it is not allowed or able to do."""


class AuthorityError(ConfigurationError):
    """A principal is not registered to produce to or consume from a topic."""


class Rejected(PermanentError):
    """A consumed message failed a check of the consume pipeline.

    `check` names the pipeline stage (parse, schema, authority, signature, handler) and
    `reason` the specific failure recorded in the dead letter and in metrics.
    """

    def __init__(self, check: str, reason: str, detail: str, claimed_producer: str | None = None):
        super().__init__(f"{check}/{reason}: {detail}")
        self.check = check
        self.reason = reason
        self.detail = detail
        self.claimed_producer = claimed_producer

"""The one exception the contract domain raises for a refused state change."""

from __future__ import annotations

from typing import ClassVar


class ContractRuleViolation(Exception):
    """A state change the rules refuse; it names the rule (e.g. CONTRACT-001).

    Not retryable: the same input against the same contract is refused again, so a
    consumer should dead-letter or report it rather than retry.
    """

    retryable: ClassVar[bool] = False

    def __init__(self, rule: str, message: str, *, related: tuple[str, ...] = ()) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message
        self.related = related

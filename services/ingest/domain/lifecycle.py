"""The issue lifecycle (SPEC §2) as one transition table.

RECEIVED -> VALIDATING -> VALIDATED | VALIDATION_FAILED; RECEIVED -> INVALID.
VALIDATION_FAILED and INVALID are terminal. The database trigger of the ingest schema
allows exactly these pairs (tested against this table).
"""

from __future__ import annotations

from enum import StrEnum


class IssueStatus(StrEnum):
    RECEIVED = "RECEIVED"
    VALIDATING = "VALIDATING"
    VALIDATED = "VALIDATED"
    VALIDATION_FAILED = "VALIDATION_FAILED"
    INVALID = "INVALID"


S = IssueStatus

INITIAL: IssueStatus = S.RECEIVED

TRANSITIONS: frozenset[tuple[IssueStatus, IssueStatus]] = frozenset(
    {
        (S.RECEIVED, S.VALIDATING),
        (S.VALIDATING, S.VALIDATED),
        (S.VALIDATING, S.VALIDATION_FAILED),
        (S.RECEIVED, S.INVALID),
    }
)

TERMINAL: frozenset[IssueStatus] = frozenset({S.VALIDATION_FAILED, S.INVALID})


class IssueTransitionRefused(ValueError):
    """A status change the lifecycle table does not have."""


def transition(current: IssueStatus, target: IssueStatus) -> IssueStatus:
    """Return `target` if the table allows `current -> target`, else refuse."""
    if (current, target) not in TRANSITIONS:
        allowed = sorted(t.value for s, t in TRANSITIONS if s is current)
        raise IssueTransitionRefused(
            f"issue status {current.value} -> {target.value} is not allowed "
            f"(allowed from {current.value}: {allowed or 'none'})"
        )
    return target


def path_to(current: IssueStatus, target: IssueStatus) -> list[tuple[IssueStatus, IssueStatus]]:
    """The transitions leading from `current` to `target` (none when already there).

    A status reached by a step the issue has not recorded yet (a verdict arriving while
    the issue still reads RECEIVED) goes through that step first. Refused when the
    table has no way there (`target` is behind `current`, or `current` is terminal).
    """
    path: list[tuple[IssueStatus, IssueStatus]] = []
    at = current
    while at is not target:
        step = next(((a, b) for a, b in TRANSITIONS if a is at and _leads_to(b, target)), None)
        if step is None:
            raise IssueTransitionRefused(
                f"issue status {current.value} -> {target.value} is not allowed "
                f"(no way from {current.value} to {target.value})"
            )
        path.append(step)
        at = step[1]
    return path


def _leads_to(status: IssueStatus, target: IssueStatus) -> bool:
    return status is target or any(a is status and _leads_to(b, target) for a, b in TRANSITIONS)

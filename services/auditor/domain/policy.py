"""When to retry, escalate and accept audit verdicts (SPEC §8 timing, AUDIT-004).

Audit within 5 minutes of the job finishing, one retry on INCONCLUSIVE, escalation after
10 minutes. There is no timeout-based approval: the passing of time can make an audit late
or escalate it, never pass it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from govmesh.auditor.domain.errors import AuditorRefusal
from govmesh.schemas import AuditVerdict, CheckOutcome, FounderAction

MAX_ATTEMPTS = 2
AUDIT_DUE_AFTER = timedelta(minutes=5)
ESCALATE_AFTER = timedelta(minutes=10)

_FINAL = frozenset({CheckOutcome.PASS, CheckOutcome.FAIL})


def should_retry(verdict: CheckOutcome, attempt: int) -> bool:
    """True for an INCONCLUSIVE verdict on the first attempt: one retry, never more."""
    return verdict is CheckOutcome.INCONCLUSIVE and attempt < MAX_ATTEMPTS


class AuditTimerAction(StrEnum):
    """What an audit timer may do; deliberately nothing that decides the verdict."""

    WAIT = "WAIT"
    OVERDUE = "OVERDUE"
    ESCALATE = "ESCALATE"
    SETTLED = "SETTLED"


def audit_timer_action(
    finished_at: datetime, now: datetime, recorded: CheckOutcome | None
) -> AuditTimerAction:
    """The timer's action for a job that finished at `finished_at`.

    SETTLED once PASS or FAIL is recorded. Otherwise (no verdict yet, or still
    INCONCLUSIVE): WAIT within 5 minutes, OVERDUE from 5 minutes (alert), ESCALATE to a
    human from 10 minutes.
    """
    if recorded in _FINAL:
        return AuditTimerAction.SETTLED
    elapsed = now - finished_at
    if elapsed >= ESCALATE_AFTER:
        return AuditTimerAction.ESCALATE
    if elapsed >= AUDIT_DUE_AFTER:
        return AuditTimerAction.OVERDUE
    return AuditTimerAction.WAIT


def standing_verdict(recorded: AuditVerdict | None, incoming: AuditVerdict) -> AuditVerdict:
    """The verdict that stands for a job once `incoming` arrives (AUDIT-004).

    The first verdict stands; a redelivery of the same audit changes nothing; a later
    attempt may replace an INCONCLUSIVE one (the retry). A PASS is never revoked and a FAIL
    never overridden: anything else arriving after them is refused.
    """
    if recorded is None or recorded.audit_id == incoming.audit_id:
        return recorded or incoming
    if recorded.job_id != incoming.job_id:
        raise AuditorRefusal("AUDIT-004", "verdicts of different jobs do not replace each other")
    if recorded.verdict in _FINAL:
        raise AuditorRefusal(
            "AUDIT-004", f"{recorded.verdict.value} verdict {recorded.audit_id} is immutable"
        )
    if incoming.attempt <= recorded.attempt:
        raise AuditorRefusal(
            "AUDIT-004", f"attempt {incoming.attempt} does not follow attempt {recorded.attempt}"
        )
    return incoming


def check_human_action(recorded: CheckOutcome, action: FounderAction) -> None:
    """AUDIT-004: a human may resolve an INCONCLUSIVE verdict and acknowledge a FAIL, nothing else.

    Neither changes the recorded verdict; this only says whether the action is allowed.
    """
    if action is FounderAction.RESOLVE_AUDIT and recorded is CheckOutcome.INCONCLUSIVE:
        return
    if action is FounderAction.ACKNOWLEDGE_AUDIT and recorded is CheckOutcome.FAIL:
        return
    raise AuditorRefusal(
        "AUDIT-004", f"{action.value} is not allowed on a {recorded.value} verdict"
    )

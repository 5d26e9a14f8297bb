"""Audit timing, retry and verdict immutability (SPEC §8, AUDIT-004)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from govmesh.auditor.domain.audit import audit as run_audit
from govmesh.auditor.domain.errors import AuditorRefusal
from govmesh.auditor.domain.policy import (
    AuditTimerAction,
    audit_timer_action,
    check_human_action,
    should_retry,
    standing_verdict,
)
from govmesh.schemas import AuditVerdict, CheckOutcome, FounderAction

from .factories import FINISHED, make_evidence

pytestmark = pytest.mark.unit


def _verdict(outcome: CheckOutcome, attempt: int = 1, n: int = 1) -> AuditVerdict:
    evidence = (
        make_evidence(health_after=None)
        if outcome is CheckOutcome.INCONCLUSIVE
        else make_evidence()
    )
    if outcome is CheckOutcome.FAIL:
        evidence = make_evidence(registry_after=None)
    verdict = run_audit(evidence, UUID(int=n), FINISHED, 1, attempt=attempt)
    assert verdict.verdict is outcome
    return verdict


def test_one_retry_on_inconclusive() -> None:
    assert should_retry(CheckOutcome.INCONCLUSIVE, 1) is True
    assert should_retry(CheckOutcome.INCONCLUSIVE, 2) is False


@pytest.mark.parametrize("outcome", [CheckOutcome.PASS, CheckOutcome.FAIL])
def test_no_retry_on_a_final_verdict(outcome: CheckOutcome) -> None:
    assert should_retry(outcome, 1) is False


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (timedelta(0), AuditTimerAction.WAIT),
        (timedelta(minutes=4, seconds=59), AuditTimerAction.WAIT),
        (timedelta(minutes=5), AuditTimerAction.OVERDUE),
        (timedelta(minutes=9, seconds=59), AuditTimerAction.OVERDUE),
        (timedelta(minutes=10), AuditTimerAction.ESCALATE),
        (timedelta(days=30), AuditTimerAction.ESCALATE),
    ],
)
def test_audit_within_5_minutes_escalate_after_10(
    elapsed: timedelta, expected: AuditTimerAction
) -> None:
    assert audit_timer_action(FINISHED, FINISHED + elapsed, None) is expected
    assert audit_timer_action(FINISHED, FINISHED + elapsed, CheckOutcome.INCONCLUSIVE) is expected


def test_time_never_approves() -> None:
    assert {a.value for a in AuditTimerAction}.isdisjoint({"PASS", "APPROVE", "COMPLETE"})
    assert (
        audit_timer_action(FINISHED, FINISHED + timedelta(days=365), None)
        is AuditTimerAction.ESCALATE
    )


@pytest.mark.parametrize("outcome", [CheckOutcome.PASS, CheckOutcome.FAIL])
def test_settled_verdict_stops_the_timer(outcome: CheckOutcome) -> None:
    assert (
        audit_timer_action(FINISHED, FINISHED + timedelta(hours=1), outcome)
        is AuditTimerAction.SETTLED
    )


def test_AUDIT004_first_verdict_stands_and_redelivery_is_a_no_op() -> None:
    first = _verdict(CheckOutcome.PASS)
    assert standing_verdict(None, first) is first
    assert standing_verdict(first, first.model_copy()) is first


@pytest.mark.parametrize("recorded", [CheckOutcome.PASS, CheckOutcome.FAIL])
@pytest.mark.parametrize("incoming", list(CheckOutcome))
def test_AUDIT004_pass_never_revoked_fail_never_overridden(
    recorded: CheckOutcome, incoming: CheckOutcome
) -> None:
    with pytest.raises(AuditorRefusal) as refused:
        standing_verdict(_verdict(recorded, 1, 1), _verdict(incoming, 2, 2))
    assert refused.value.rule == "AUDIT-004"


def test_AUDIT004_retry_replaces_inconclusive() -> None:
    retry = _verdict(CheckOutcome.PASS, attempt=2, n=2)
    assert standing_verdict(_verdict(CheckOutcome.INCONCLUSIVE), retry) is retry


def test_AUDIT004_stale_attempt_cannot_replace_inconclusive() -> None:
    with pytest.raises(AuditorRefusal):
        standing_verdict(
            _verdict(CheckOutcome.INCONCLUSIVE, 2, 1), _verdict(CheckOutcome.PASS, 1, 2)
        )


def test_AUDIT004_human_may_resolve_inconclusive_and_acknowledge_fail() -> None:
    check_human_action(CheckOutcome.INCONCLUSIVE, FounderAction.RESOLVE_AUDIT)
    check_human_action(CheckOutcome.FAIL, FounderAction.ACKNOWLEDGE_AUDIT)


@pytest.mark.parametrize(
    ("recorded", "action"),
    [
        (CheckOutcome.PASS, FounderAction.RESOLVE_AUDIT),
        (CheckOutcome.FAIL, FounderAction.RESOLVE_AUDIT),
        (CheckOutcome.PASS, FounderAction.ACKNOWLEDGE_AUDIT),
        (CheckOutcome.INCONCLUSIVE, FounderAction.ACKNOWLEDGE_AUDIT),
        (CheckOutcome.FAIL, FounderAction.APPROVE),
    ],
)
def test_AUDIT004_other_human_actions_are_refused(
    recorded: CheckOutcome, action: FounderAction
) -> None:
    with pytest.raises(AuditorRefusal) as refused:
        check_human_action(recorded, action)
    assert refused.value.rule == "AUDIT-004"

"""Timers (REVIEW-006 and activation): 5 / 6 / 7 days, pauses, windows, never an approval."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.contracts.domain import (
    Timer,
    TimerKind,
    TimerPolicy,
    decide,
    due_timers,
    scheduled_timers,
)
from govmesh.contracts.domain.timers import TIMER_NOTIFICATIONS
from govmesh.schemas import ContractSnapshot, ContractStatus, FounderAction, NotificationKind

from .factories import DAY, HOUR, T0, active, approved, completed, context, decision, snapshot

pytestmark = pytest.mark.unit

S = ContractStatus
K = TimerKind
SECOND = timedelta(seconds=1)


def _kinds(timers: list[Timer]) -> list[TimerKind]:
    return [t.kind for t in timers]


def test_REVIEW006_eligible_schedule_is_5_6_7_days() -> None:
    timers = scheduled_timers(snapshot(S.ELIGIBLE))
    assert [(t.kind, t.due_at) for t in timers] == [
        (K.REVIEW_WARNING, T0 + 5 * DAY),
        (K.REVIEW_ESCALATION, T0 + 6 * DAY),
        (K.EXPIRY, T0 + 7 * DAY),
    ]
    assert {t.rule for t in timers} == {"REVIEW-006"}


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (5 * DAY - SECOND, []),
        (5 * DAY, [K.REVIEW_WARNING]),
        (6 * DAY - SECOND, [K.REVIEW_WARNING]),
        (6 * DAY, [K.REVIEW_WARNING, K.REVIEW_ESCALATION]),
        (7 * DAY, [K.REVIEW_WARNING, K.REVIEW_ESCALATION, K.EXPIRY]),
    ],
)
def test_REVIEW006_due_timers_at_5_6_7_days(elapsed: timedelta, expected: list[TimerKind]) -> None:
    assert _kinds(due_timers(snapshot(S.ELIGIBLE), T0 + elapsed)) == expected


def test_REVIEW006_warnings_notify_and_expiry_does_not() -> None:
    assert TIMER_NOTIFICATIONS == {
        K.REVIEW_WARNING: NotificationKind.REVIEW_WARNING,
        K.REVIEW_ESCALATION: NotificationKind.REVIEW_ESCALATION,
    }


@pytest.mark.parametrize("status", [S.DRAFT, S.VALIDATED])
def test_REVIEW006_contracts_before_review_only_expire(status: ContractStatus) -> None:
    assert _kinds(scheduled_timers(snapshot(status))) == [K.EXPIRY]


def test_REVIEW006_no_review_timer_while_clarification_pending() -> None:
    paused = snapshot(S.ELIGIBLE, clarification_request="?", clarification_requested_at=T0 + DAY)
    assert scheduled_timers(paused) == []
    assert due_timers(paused, T0 + 60 * DAY) == []


def test_REVIEW006_timers_shift_by_the_pause_after_resume() -> None:
    contract = snapshot(S.ELIGIBLE)
    paused = decide(
        contract,
        decision(contract, FounderAction.REQUEST_CLARIFICATION, request="Which tenant?"),
        context(),
        T0 + DAY,
    ).contract
    resumed = decide(
        paused,
        decision(paused, FounderAction.PROVIDE_CLARIFICATION, reason="acme-prod"),
        context(),
        T0 + 3 * DAY,
    ).contract
    assert [(t.kind, t.due_at) for t in scheduled_timers(resumed)] == [
        (K.REVIEW_WARNING, T0 + 7 * DAY),
        (K.REVIEW_ESCALATION, T0 + 8 * DAY),
        (K.EXPIRY, T0 + 9 * DAY),
    ]


def test_REVIEW006_custom_policy() -> None:
    policy = TimerPolicy(
        ttl=timedelta(days=3),
        review_warning_after=timedelta(days=1),
        review_escalation_after=timedelta(days=2),
    )
    contract = snapshot(S.ELIGIBLE, expires_at=T0 + 3 * DAY)
    assert [t.due_at for t in scheduled_timers(contract, policy)] == [
        T0 + DAY,
        T0 + 2 * DAY,
        T0 + 3 * DAY,
    ]


def test_REVIEW006_policy_offsets_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="warning < escalation"):
        TimerPolicy(
            review_warning_after=timedelta(days=6), review_escalation_after=timedelta(days=5)
        )


def test_SM006_activation_due_at_window_start_not_before() -> None:
    contract = approved(activation_window_start=T0 + 2 * HOUR, activation_window_end=T0 + DAY)
    assert due_timers(contract, T0 + 2 * HOUR - SECOND) == []
    assert _kinds(due_timers(contract, T0 + 2 * HOUR)) == [K.ACTIVATION]


def test_window_end_passed_before_activation_gives_window_closed_only() -> None:
    contract = approved(activation_window_start=T0, activation_window_end=T0 + DAY)
    due = due_timers(contract, T0 + DAY)
    assert _kinds(due) == [K.WINDOW_CLOSED]
    assert due[0].rule == "ACTIVATION-WINDOW"


@pytest.mark.parametrize("make", [active, completed])
def test_no_timers_after_activation(make: Callable[[], ContractSnapshot]) -> None:
    assert scheduled_timers(make()) == []


@pytest.mark.parametrize("status", [S.REJECTED, S.EXPIRED, S.SUPERSEDED, S.FAILED])
def test_terminal_contracts_have_no_timers(status: ContractStatus) -> None:
    assert scheduled_timers(snapshot(status)) == []


def test_PART2002_no_timer_ever_approves() -> None:
    contract = snapshot(S.ELIGIBLE)
    kinds = {t.kind for t in due_timers(contract, T0 + 365 * DAY)}
    assert kinds == {K.REVIEW_WARNING, K.REVIEW_ESCALATION, K.EXPIRY}


def test_timer_key_is_once_per_contract_and_kind() -> None:
    cid = uuid4()
    a = Timer(cid, K.REVIEW_WARNING, T0, "REVIEW-006")
    b = Timer(cid, K.REVIEW_WARNING, T0 + DAY, "REVIEW-006")
    assert a.key == b.key == f"{cid}:REVIEW_WARNING"

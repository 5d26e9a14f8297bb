"""Timer policy: review warning, escalation and expiry; activation and window close.

REVIEW-006: warning at 5 days, escalation at 6, expiry at 7, measured from
`created_at` in running time (clarification pauses do not count). While a pause is
open no review timer is scheduled; they come back, shifted, when it ends. For an
APPROVED contract: activation when the window opens, failure when it closes first.
No timer ever approves anything.

The service stores timers as rows keyed by `Timer.key` (one per contract and kind), so
each fires at most once even when its due time moves after a pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.machine import require_aware
from govmesh.contracts.domain.states import TRANSITIONS
from govmesh.contracts.domain.ttl import DEFAULT_TTL, open_pause
from govmesh.schemas import ContractSnapshot, ContractStatus, NotificationKind

S = ContractStatus


class TimerKind(StrEnum):
    REVIEW_WARNING = "REVIEW_WARNING"  # notify founders (NotificationKind.REVIEW_WARNING)
    REVIEW_ESCALATION = "REVIEW_ESCALATION"  # notify (NotificationKind.REVIEW_ESCALATION)
    EXPIRY = "EXPIRY"  # lifecycle.expire
    ACTIVATION = "ACTIVATION"  # lifecycle.activate + jobplan.plan_job
    WINDOW_CLOSED = "WINDOW_CLOSED"  # lifecycle.close_window


#: Notification each notifying timer sends; the others change the contract's status.
TIMER_NOTIFICATIONS: dict[TimerKind, NotificationKind] = {
    TimerKind.REVIEW_WARNING: NotificationKind.REVIEW_WARNING,
    TimerKind.REVIEW_ESCALATION: NotificationKind.REVIEW_ESCALATION,
}


@dataclass(frozen=True)
class TimerPolicy:
    """Offsets from creation; `ttl` must be the TTL the contracts were created with."""

    ttl: timedelta = DEFAULT_TTL
    review_warning_after: timedelta = timedelta(days=5)
    review_escalation_after: timedelta = timedelta(days=6)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.review_warning_after < self.review_escalation_after < self.ttl:
            raise ValueError("need 0 < warning < escalation < ttl")


@dataclass(frozen=True)
class Timer:
    """A timer of one contract: what fires, when, and under which rule."""

    contract_id: UUID
    kind: TimerKind
    due_at: datetime
    rule: str

    @property
    def key(self) -> str:
        """De-duplication key: each kind fires at most once per contract."""
        return f"{self.contract_id}:{self.kind.value}"


#: Statuses the TTL applies to: the sources of the table's EXPIRED row.
_REVIEW_CLOCK = frozenset(r.source for r in TRANSITIONS if r.target == S.EXPIRED)


def scheduled_timers(contract: ContractSnapshot, policy: TimerPolicy | None = None) -> list[Timer]:
    """Every timer the contract has in its current state, ordered by due time.

    DRAFT/VALIDATED: expiry. ELIGIBLE: warning, escalation, expiry — none while a
    clarification pause is open. APPROVED: activation at window start and window close
    at window end. Other statuses: none.
    """
    policy = policy or TimerPolicy()
    timers: list[Timer] = []
    if contract.status in _REVIEW_CLOCK and open_pause(contract) is None:
        expiry = contract.expires_at or contract.created_at + policy.ttl
        # `expires_at` already carries every finished pause; so do the earlier timers.
        running_start = expiry - policy.ttl
        if contract.status == S.ELIGIBLE:
            timers.append(
                _timer(
                    contract, TimerKind.REVIEW_WARNING, running_start + policy.review_warning_after
                )
            )
            timers.append(
                _timer(
                    contract,
                    TimerKind.REVIEW_ESCALATION,
                    running_start + policy.review_escalation_after,
                )
            )
        timers.append(_timer(contract, TimerKind.EXPIRY, expiry))
    if contract.status == S.APPROVED:
        if contract.activation_window_start is not None:
            timers.append(
                Timer(
                    contract.contract_id,
                    TimerKind.ACTIVATION,
                    contract.activation_window_start,
                    rules.SM_006,
                )
            )
        if contract.activation_window_end is not None:
            timers.append(
                Timer(
                    contract.contract_id,
                    TimerKind.WINDOW_CLOSED,
                    contract.activation_window_end,
                    rules.ACTIVATION_WINDOW,
                )
            )
    return sorted(timers, key=lambda t: t.due_at)


def due_timers(
    contract: ContractSnapshot, now: datetime, policy: TimerPolicy | None = None
) -> list[Timer]:
    """The scheduled timers due at `now` (due_at <= now), ordered by due time.

    Once the window has closed, activation is no longer due: the contract fails instead.
    """
    require_aware(now)
    due = [t for t in scheduled_timers(contract, policy) if t.due_at <= now]
    if any(t.kind == TimerKind.WINDOW_CLOSED for t in due):
        due = [t for t in due if t.kind != TimerKind.ACTIVATION]
    return due


def _timer(contract: ContractSnapshot, kind: TimerKind, due_at: datetime) -> Timer:
    return Timer(contract.contract_id, kind, due_at, rules.REVIEW_006)

"""The contract TTL and its pauses (SPEC §6: a clarification pauses the clock, never resets it).

The TTL is measured in running time: time spent waiting for a clarification does not
count. On the snapshot, `expires_at` is the deadline with every *finished* pause already
added; a pause still open is `clarification_requested_at` (set while a clarification is
awaited). Nothing here reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from govmesh.schemas import ContractSnapshot

DEFAULT_TTL = timedelta(days=7)


@dataclass(frozen=True)
class Pause:
    """An interval in which the TTL clock stood still; `end` None means still paused."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("a pause cannot end before it starts")


def deadline_with_pauses(deadline: datetime, pauses: Iterable[Pause], now: datetime) -> datetime:
    """Shift `deadline` by the paused time that fell before it.

    A pause that starts at or after the (already shifted) deadline does not count: the
    clock had run out by then. An open pause counts up to `now`, so while it lasts the
    deadline keeps moving and is never reached. Overlapping pauses count once.
    """
    covered_until: datetime | None = None
    for pause in sorted(pauses, key=lambda p: p.start):
        start = pause.start if covered_until is None else max(pause.start, covered_until)
        end = pause.end if pause.end is not None else max(now, pause.start)
        if start >= deadline:
            break
        if end > start:
            deadline += end - start
            covered_until = end
    return deadline


def effective_expiry(
    created_at: datetime,
    pauses: Iterable[Pause] = (),
    now: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> datetime:
    """When a contract created at `created_at` expires, given every pause so far.

    `now` is only needed while a pause is open (it bounds the open pause).
    """
    pause_list = list(pauses)
    if now is None:
        if any(p.end is None for p in pause_list):
            raise ValueError("an open pause needs `now` to be measured")
        now = created_at
    return deadline_with_pauses(created_at + ttl, pause_list, now)


def open_pause(contract: ContractSnapshot) -> Pause | None:
    """The pause in force on the snapshot: a clarification is awaited."""
    if contract.clarification_requested_at is None:
        return None
    return Pause(start=contract.clarification_requested_at)


def contract_expiry(contract: ContractSnapshot, now: datetime) -> datetime | None:
    """The snapshot's expiry as of `now` (None when it has no TTL).

    This is also the `expires_at` to store when the open pause ends at `now`.
    """
    if contract.expires_at is None:
        return None
    pause = open_pause(contract)
    return deadline_with_pauses(contract.expires_at, [] if pause is None else [pause], now)


def is_expired(contract: ContractSnapshot, now: datetime) -> bool:
    """True once the TTL has run out at `now`; never while a clarification pause is open."""
    expiry = contract_expiry(contract, now)
    return expiry is not None and now >= expiry

"""The review TTL in running time: pauses shift it, never reset it (SPEC §6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govmesh.contracts.domain import Pause, contract_expiry, effective_expiry, is_expired
from govmesh.schemas import ContractStatus

from .factories import DAY, HOUR, T0, snapshot

pytestmark = pytest.mark.unit


def test_REVIEW006_no_pause_expires_seven_days_after_creation() -> None:
    assert effective_expiry(T0) == T0 + 7 * DAY


def test_closed_pause_shifts_expiry_by_its_length() -> None:
    pauses = [Pause(T0 + DAY, T0 + 3 * DAY)]
    assert effective_expiry(T0, pauses) == T0 + 9 * DAY


def test_open_pause_keeps_the_remaining_time_constant() -> None:
    pause = Pause(T0 + 2 * DAY)
    for now in (T0 + 2 * DAY, T0 + 6 * DAY, T0 + 40 * DAY):
        assert effective_expiry(T0, [pause], now) - now == 5 * DAY


def test_open_pause_needs_now() -> None:
    with pytest.raises(ValueError, match="now"):
        effective_expiry(T0, [Pause(T0 + DAY)])


def test_pause_after_expiry_does_not_revive_the_contract() -> None:
    assert effective_expiry(T0, [Pause(T0 + 8 * DAY, T0 + 9 * DAY)]) == T0 + 7 * DAY


def test_pause_pushing_deadline_brings_a_later_pause_into_range() -> None:
    # The first pause moves the deadline to day 9, so a pause at day 8 counts as well.
    pauses = [Pause(T0 + DAY, T0 + 3 * DAY), Pause(T0 + 8 * DAY, T0 + 8 * DAY + HOUR)]
    assert effective_expiry(T0, pauses) == T0 + 9 * DAY + HOUR


def test_overlapping_pauses_count_once() -> None:
    pauses = [Pause(T0 + DAY, T0 + 3 * DAY), Pause(T0 + 2 * DAY, T0 + 4 * DAY)]
    assert effective_expiry(T0, pauses) == T0 + 10 * DAY


def test_pause_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="end before"):
        Pause(T0 + DAY, T0)


def test_custom_ttl() -> None:
    assert (
        effective_expiry(T0, [Pause(T0, T0 + HOUR)], ttl=timedelta(days=2)) == T0 + 2 * DAY + HOUR
    )


def test_snapshot_expiry_uses_open_clarification_pause() -> None:
    paused = snapshot(
        ContractStatus.ELIGIBLE, clarification_request="?", clarification_requested_at=T0 + DAY
    )
    assert contract_expiry(paused, T0 + 3 * DAY) == T0 + 9 * DAY
    assert not is_expired(paused, T0 + 100 * DAY)


def test_snapshot_without_ttl_never_expires() -> None:
    contract = snapshot(ContractStatus.ELIGIBLE, expires_at=None)
    assert contract_expiry(contract, T0) is None
    assert not is_expired(contract, T0 + 100 * DAY)


durations = st.integers(min_value=0, max_value=10 * 24).map(lambda h: timedelta(hours=h))


@given(st.lists(st.tuples(durations, durations), max_size=5))
def test_pauses_never_shorten_the_ttl_and_add_at_most_their_total(
    raw: list[tuple[timedelta, timedelta]],
) -> None:
    pauses = [Pause(T0 + offset, T0 + offset + length) for offset, length in raw]
    expiry = effective_expiry(T0, pauses)
    assert T0 + 7 * DAY <= expiry <= T0 + 7 * DAY + sum((p[1] for p in raw), timedelta(0))

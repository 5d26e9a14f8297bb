"""De-duplication policy (SPEC §2): 24 h idempotency window, recurrences, source references."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.ingest.domain import KeyDecision, KeyHolder, decide_key, reference_is_duplicate
from tests.unit.ingest.factories import NOW

pytestmark = pytest.mark.unit

DAY = timedelta(hours=24)


def test_dedup_unknown_key_is_new() -> None:
    assert decide_key(None, NOW, DAY) is KeyDecision.NEW


@pytest.mark.parametrize("age", [timedelta(0), timedelta(hours=23, minutes=59), DAY])
def test_dedup_same_key_within_24h_inclusive_is_a_duplicate(age: timedelta) -> None:
    holder = KeyHolder(uuid4(), NOW - age)
    assert decide_key(holder, NOW, DAY) is KeyDecision.DUPLICATE


@pytest.mark.parametrize("age", [DAY + timedelta(microseconds=1), timedelta(days=30)])
def test_dedup_same_key_after_24h_is_a_recurrence(age: timedelta) -> None:
    holder = KeyHolder(uuid4(), NOW - age)
    assert decide_key(holder, NOW, DAY) is KeyDecision.RECURRENCE


def test_dedup_holder_from_a_clock_ahead_of_ours_is_a_duplicate() -> None:
    holder = KeyHolder(uuid4(), NOW + timedelta(minutes=5))
    assert decide_key(holder, NOW, DAY) is KeyDecision.DUPLICATE


def test_dedup_window_is_configurable() -> None:
    holder = KeyHolder(uuid4(), NOW - timedelta(hours=2))
    assert decide_key(holder, NOW, timedelta(hours=1)) is KeyDecision.RECURRENCE


def test_dedup_taken_source_reference_is_a_duplicate_for_a_new_submission() -> None:
    assert reference_is_duplicate(uuid4(), None)


def test_dedup_taken_source_reference_is_a_duplicate_when_held_by_another_issue() -> None:
    assert reference_is_duplicate(uuid4(), uuid4())


def test_dedup_recurrence_of_the_issue_holding_the_reference_is_not_a_duplicate() -> None:
    earlier = uuid4()
    assert not reference_is_duplicate(earlier, earlier)

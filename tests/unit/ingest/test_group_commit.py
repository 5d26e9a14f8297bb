"""GroupCommit: concurrent new submissions share a statement; each keeps its own outcome.

The statement is a stand-in here (`Recorded._insert`): what it stores, refuses or fails
is decided per test. The statement itself runs on a real PostgreSQL in
tests/integration/test_ingest_service.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.ingest.adapters.repository import NewIssue, Stored
from govmesh.ingest.domain import IngestPolicy, validate_event
from govmesh.ingest.service_layer.group_commit import GroupCommit
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import CrmEvent, Envelope
from tests.unit.ingest.factories import NOW, raw_event

pytestmark = pytest.mark.unit

Statement = Callable[[Sequence[NewIssue]], frozenset[UUID] | None]


def new_issue(label: str) -> NewIssue:
    event = validate_event(raw_event(label), NOW, IngestPolicy())
    assert isinstance(event, CrmEvent)
    accepted = Outgoing("issues.accepted", label, cast(Envelope, None))
    return NewIssue(event, uuid4(), NOW, "http", accepted)


class Recorded(GroupCommit):
    """A GroupCommit whose statement is `statement`, recording every batch it was given."""

    def __init__(self, statement: Statement, *, max_batch: int = 100) -> None:
        super().__init__(cast(AsyncEngine, None), max_batch=max_batch)
        self.statement = statement
        self.batches: list[list[str]] = []

    async def _insert(self, rows: Sequence[NewIssue]) -> frozenset[UUID] | None:
        self.batches.append([row.accepted.key for row in rows])
        await asyncio.sleep(0.01)  # a round trip: submissions arriving meanwhile queue
        return self.statement(rows)


def store_all(rows: Sequence[NewIssue]) -> frozenset[UUID]:
    return frozenset(row.issue_id for row in rows)


async def submit(writer: GroupCommit, rows: Sequence[NewIssue]) -> list[Any]:
    return await asyncio.gather(*(writer.store_new(row) for row in rows), return_exceptions=True)


async def test_concurrent_submissions_share_statements_and_each_hears_its_own_row() -> None:
    writer = Recorded(store_all)
    rows = [new_issue(f"n{i}") for i in range(30)]
    first = asyncio.create_task(writer.store_new(rows[0]))
    await asyncio.sleep(0.001)  # its statement is under way
    answers = [await first, *await submit(writer, rows[1:])]
    assert answers == [row.stored for row in rows]
    assert all(isinstance(answer, Stored) for answer in answers)
    # The first submission was written at once; the other 29 queued behind it.
    assert [len(batch) for batch in writer.batches] == [1, 29]
    assert [key for batch in writer.batches for key in batch] == [f"n{i}" for i in range(30)]


async def test_a_lone_submission_is_written_at_once_and_batches_are_capped() -> None:
    writer = Recorded(store_all, max_batch=10)
    assert await writer.store_new(row := new_issue("alone")) == row.stored
    await submit(writer, [new_issue(f"c{i}") for i in range(25)])
    assert [len(batch) for batch in writer.batches] == [1, 10, 10, 5]


async def test_a_row_the_statement_left_out_answers_none_for_the_transactional_path() -> None:
    rows = [new_issue(f"d{i}") for i in range(3)]
    claimed = rows[1]
    writer = Recorded(lambda batch: store_all([r for r in batch if r is not claimed]))
    assert await submit(writer, rows) == [rows[0].stored, None, rows[2].stored]


async def test_a_refused_statement_is_written_again_one_row_at_a_time() -> None:
    rows = [new_issue(f"r{i}") for i in range(4)]
    taken = rows[2]

    def statement(batch: Sequence[NewIssue]) -> frozenset[UUID] | None:
        # A key claimed with its reference taken undoes the whole statement.
        return None if taken in batch else store_all(batch)

    writer = Recorded(statement)
    answers = await submit(writer, rows)
    assert answers == [rows[0].stored, rows[1].stored, None, rows[3].stored]
    assert writer.batches[0] == ["r0", "r1", "r2", "r3"]
    assert sorted(writer.batches[1:]) == [["r0"], ["r1"], ["r2"], ["r3"]]


async def test_an_error_one_row_causes_stays_with_that_row() -> None:
    rows = [new_issue(f"e{i}") for i in range(4)]
    bad = rows[3]

    def statement(batch: Sequence[NewIssue]) -> frozenset[UUID]:
        if bad in batch:
            raise ValueError("a value the database refuses")
        return store_all(batch)

    answers = await submit(Recorded(statement), rows)
    assert answers[:3] == [row.stored for row in rows[:3]]
    assert isinstance(answers[3], ValueError)


async def test_a_transient_error_fails_every_caller_of_the_batch_to_retry() -> None:
    rows = [new_issue(f"t{i}") for i in range(5)]
    calls = 0

    def statement(batch: Sequence[NewIssue]) -> frozenset[UUID]:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise OperationalError("INSERT", {}, ConnectionResetError("connection lost"))
        return store_all(batch)

    writer = Recorded(statement)
    assert await writer.store_new(rows[0]) == rows[0].stored
    answers = await submit(writer, rows[1:])
    assert all(isinstance(answer, OperationalError) for answer in answers)
    assert len(writer.batches) == 2, "a transient failure is not retried row by row"
    # The writer is not stuck: the callers' retries are written.
    calls = 0
    assert await submit(writer, rows[1:]) == [row.stored for row in rows[1:]]


async def test_a_caller_that_gave_up_does_not_disturb_the_others() -> None:
    writer = Recorded(store_all)
    first = asyncio.create_task(writer.store_new(new_issue("first")))
    await asyncio.sleep(0.001)
    rows = [new_issue(f"g{i}") for i in range(3)]
    waiting = [asyncio.create_task(writer.store_new(row)) for row in rows]
    await asyncio.sleep(0)
    waiting[1].cancel()
    await first
    answers = await asyncio.gather(*waiting, return_exceptions=True)
    assert answers[0] == rows[0].stored
    assert isinstance(answers[1], asyncio.CancelledError)
    assert answers[2] == rows[2].stored
    assert writer.batches[1] == ["g0", "g1", "g2"], "its row was written all the same"


async def test_two_statements_run_at_once_and_no_submission_is_left_behind() -> None:
    in_flight = peak = 0

    class Overlapping(Recorded):
        async def _insert(self, rows: Sequence[NewIssue]) -> frozenset[UUID] | None:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await super()._insert(rows)
            finally:
                in_flight -= 1

    writer = Overlapping(store_all)
    rows = [new_issue(f"s{i}") for i in range(200)]

    async def arrive(i: int, row: NewIssue) -> Stored | None:
        # Submissions arrive while statements start and finish, some exactly as one ends.
        await asyncio.sleep((i % 7) * 0.003)
        return await writer.store_new(row)

    answers = await asyncio.wait_for(
        asyncio.gather(*(arrive(i, row) for i, row in enumerate(rows))), 10
    )
    assert answers == [row.stored for row in rows]
    assert peak == 2, "the second writer should overlap the first, and no more"
    assert sum(len(batch) for batch in writer.batches) == 200

"""Group commit for the HTTP fast path: concurrent new submissions share one statement.

A durable commit costs the database a WAL flush and the service a round trip and the
SQLAlchemy work of one statement, whatever the statement carries. So new submissions
do not each run their own: `store_new` queues one and waits, and a writer takes every
submission queued (up to `max_batch`) into one `insert_new_issues` statement, committed
on its own. Up to `writers` statements (two) are under way at once, so that the next
batch is sent while the last one's commit is flushed; submissions arriving meanwhile
queue for the next statement. A lone submission is written at once; nothing waits for a
batch to fill.

Each submission's answer is that of its own row: stored (201 only after the statement
committed), or not stored because a claim was taken (the caller then decides duplicate
or recurrence in a transaction). A statement one row makes fail as a whole — a reference
taken after a claimed key, an error that is not transient — is written again one row at
a time, so that row's outcome stays its own. A transient error fails the whole batch to
its callers, which retry. Two statements claiming the same key or reference queue on
its row lock (keys and references are claimed in sorted order).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.ingest.adapters.repository import NewIssue, Stored, insert_new_issues
from govmesh.mesh.db import is_transient

MAX_BATCH = 100
WRITERS = 2


@dataclass(frozen=True)
class _Queued:
    row: NewIssue
    stored: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def answer(self, stored: bool) -> None:
        if not self.stored.done():  # its caller may have given up (a cancelled request)
            self.stored.set_result(stored)

    def fail(self, exc: BaseException) -> None:
        if not self.stored.done():
            self.stored.set_exception(exc)


class GroupCommit:
    """Writes new issues for concurrent callers: many to a statement, `writers` at a time."""

    def __init__(
        self, engine: AsyncEngine, *, max_batch: int = MAX_BATCH, writers: int = WRITERS
    ) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._max_writers = writers
        self._queue: list[_Queued] = []
        self._writing = 0  # writers started and not yet finished
        self._tasks: set[asyncio.Task[None]] = set()

    async def store_new(self, row: NewIssue) -> Stored | None:
        """`row` stored and durably committed; None, with nothing written, if a claim was taken."""
        queued = _Queued(row)
        self._queue.append(queued)
        if self._writing < self._max_writers:
            self._writing += 1
            writer = asyncio.create_task(self._write_queued())
            self._tasks.add(writer)
            writer.add_done_callback(self._tasks.discard)
        return row.stored if await queued.stored else None

    async def _write_queued(self) -> None:
        try:
            while self._queue:
                batch = self._queue[: self._max_batch]
                del self._queue[: self._max_batch]
                try:
                    await self._write(batch)
                except BaseException as exc:  # cancelled (shutdown), or a bug: no one hangs
                    for queued in [*batch, *self._queue]:
                        queued.fail(exc)
                    self._queue.clear()
                    raise
        finally:
            # In the same step as the empty queue was seen: a submission queued from now
            # on starts a writer of its own.
            self._writing -= 1

    async def _write(self, batch: Sequence[_Queued]) -> None:
        try:
            stored = await self._insert([queued.row for queued in batch])
        except Exception as exc:
            if len(batch) == 1 or is_transient(exc):
                for queued in batch:
                    queued.fail(exc)
                return
            stored = None
        if stored is None and len(batch) > 1:
            await asyncio.gather(*(self._write([queued]) for queued in batch))
            return
        for queued in batch:
            queued.answer(stored is not None and queued.row.issue_id in stored)

    async def _insert(self, rows: Sequence[NewIssue]) -> frozenset[UUID] | None:
        async with self._engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            return await insert_new_issues(autocommit, rows)

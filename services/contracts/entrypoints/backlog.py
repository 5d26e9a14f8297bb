"""The review backlog gauges (SPEC §12), refreshed from PostgreSQL on an interval.

The numbers are the database's, not a process's: every replica exports the same values
(the alert rules take the `max`), and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.adapters.reads import review_backlog
from govmesh.contracts.metrics import AWAITING_REVIEW_OLDEST, PENDING

log = structlog.get_logger(__name__)


class BacklogGauges:
    def __init__(
        self, engine: AsyncEngine, clock: Callable[[], datetime], *, interval_s: float
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._interval = interval_s
        self._task: asyncio.Task[None] | None = None

    async def refresh(self) -> None:
        pending, oldest = await review_backlog(self._engine)
        PENDING.set(pending)
        waited = (self._clock() - oldest).total_seconds() if oldest is not None else 0.0
        AWAITING_REVIEW_OLDEST.set(max(waited, 0.0))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="contracts-backlog-gauges")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("contracts.backlog_gauges_failed", error=repr(exc))
            await asyncio.sleep(self._interval)

"""The timer loop: fires due timers from PostgreSQL, one transaction per timer.

Each pass claims the earliest due timer (FOR UPDATE SKIP LOCKED, so replicas share the
work and each timer runs once), runs its handler, marks it and writes the outbox in the
same transaction, and repeats until nothing is due; then it sleeps for the configured
interval or until `wake()` — called after a commit that may have scheduled a timer
that is already due (an approval whose window starts now), so activation follows at
once instead of on the next poll.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.adapters.repository import FAILED, ContractRepository
from govmesh.contracts.domain import ContractRuleViolation
from govmesh.contracts.metrics import TIMERS_FIRED
from govmesh.contracts.service_layer.deps import Deps
from govmesh.contracts.service_layer.timers import TIMER_HANDLERS
from govmesh.mesh import metrics
from govmesh.mesh.db import OutboxRelay, OutboxWriter, is_transient

log = structlog.get_logger(__name__)


class TimerLoop:
    def __init__(
        self,
        engine: AsyncEngine,
        deps: Deps,
        relay: OutboxRelay | None,
        *,
        interval_s: float,
        batch: int = 100,
    ) -> None:
        self._engine = engine
        self._deps = deps
        self._relay = relay
        self._interval = interval_s
        self._batch = batch
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Run a pass now (call after a commit, never before it)."""
        self._wake.set()

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self.run(), name="contracts-timers")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                await self.fire_due()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                metrics.RETRIES.labels("timers:contracts").inc()
                log.warning("timers.retry", error=repr(exc), backoff=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._interval)
            self._wake.clear()

    async def fire_due(self) -> int:
        """Fire every timer due at the clock's now (up to one batch); return how many ran."""
        fired = 0
        while fired < self._batch:
            if not await self._fire_one():
                break
            fired += 1
        return fired

    async def _fire_one(self) -> bool:
        deps = self._deps
        wrote = 0
        async with self._engine.begin() as conn:
            outbox = OutboxWriter(conn)
            repo = ContractRepository(conn, outbox, deps.publisher, deps.policy)
            now = deps.clock()
            timer = await repo.claim_due_timer(now)
            if timer is None:
                return False
            handler = TIMER_HANDLERS.get(timer.kind)
            savepoint = await conn.begin_nested()
            try:
                if handler is None:
                    raise ContractRuleViolation("TIMER-KIND", f"no handler for {timer.kind}")
                state = await handler(repo, timer, deps)
            except Exception as exc:
                # A refusal or a bug: fail this timer (kept with the error), not the loop.
                # Transient database errors propagate and the whole pass is retried.
                if is_transient(exc):
                    raise
                await savepoint.rollback()
                outbox.pending.clear()
                log.error("timers.failed", key=timer.timer_key, error=repr(exc))
                await repo.finish_timer(timer.timer_key, FAILED, now, repr(exc)[:2000])
                TIMERS_FIRED.labels(timer.kind, FAILED).inc()
                return True
            await savepoint.commit()
            await repo.finish_timer(timer.timer_key, state, now)
            wrote = await outbox.flush()
            TIMERS_FIRED.labels(timer.kind, state).inc()
        if wrote and self._relay is not None:
            self._relay.wake()
        return True

"""Running jobs (SPEC §7, §11): one task per job, steps in order, each recorded before the next.

The loop per job: in one transaction, check the lease and ask the domain's `next_action`
(scope JOB-001, health gate JOB-002, order JOB-004, `max_duration_ms`); record the next
step RUNNING (or count a resumed attempt) and commit; run the step through its adapter
with its idempotency key; record the outcome (for the registry adapter in the same
transaction as the change) and commit; repeat. A failed execution job goes to
ROLLBACK_PENDING and its rollback job (the completed steps' recorded rollback actions in
reverse, JOB-003/JOB-006) is created in the same transaction and run next.

Ownership: the executor that consumed the request holds the job's lease; a heartbeat
extends it while the task runs. When an executor dies, its leases expire and any
executor's sweeper claims the job and resumes it; the in-flight step re-runs with the
same idempotency key, so its side effect happens once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from govmesh.executor.adapters import job_store as store
from govmesh.executor.adapters.health_view import HealthViewHolder
from govmesh.executor.adapters.registry_store import scope_snapshot
from govmesh.executor.adapters.steps import StepAdapter, StepCall, StepTransaction
from govmesh.executor.domain.errors import ExecutorRefusal
from govmesh.executor.domain.health_gate import health_snapshot
from govmesh.executor.domain.idempotency import AttemptKind, step_idempotency_key
from govmesh.executor.domain.ids import rollback_job_id
from govmesh.executor.domain.plan_params import compensated_step, resolve_step
from govmesh.executor.domain.rollback import rollback_steps
from govmesh.executor.domain.runner import (
    Complete,
    Fail,
    JobState,
    StartStep,
    next_action,
    step_finished,
    step_started,
)
from govmesh.executor.domain.steps import StepOutcome
from govmesh.executor.entrypoints import metrics
from govmesh.executor.service_layer.events import job_event
from govmesh.executor.settings import ExecutorSettings
from govmesh.mesh.db import OutboxWriter
from govmesh.mesh.signing import Signer
from govmesh.schemas import (
    Envelope,
    JobEventKind,
    JobKind,
    JobRequested,
    JobStatus,
    PlannedStep,
    StepRecord,
    StepStatus,
)

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
S = JobStatus

#: A rollback runs after a failure, whenever that is (same as the contract authority's).
ROLLBACK_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class _StepRun:
    request: JobRequested
    cause: Envelope | None
    started_at: datetime
    step: PlannedStep
    record: StepRecord
    key: UUID
    attempt: AttemptKind
    # Whether job_steps holds this step's row yet (a resumed step's always does).
    stored: bool


class JobRunner:
    """Drives jobs as asyncio tasks, never blocking the consumer loop that admits them."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        settings: ExecutorSettings,
        signer: Signer,
        health: HealthViewHolder,
        adapters: dict[str, StepAdapter],
        clock: Clock,
        on_commit: Callable[[], None],
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._signer = signer
        self._health = health
        self._adapters = adapters
        self._clock = clock
        self._on_commit = on_commit
        self._owner = settings.instance_id
        self._lease = timedelta(seconds=settings.lease_s)
        self._tasks: dict[UUID, asyncio.Task[None]] = {}
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    @property
    def owner(self) -> str:
        return self._owner

    @property
    def lease(self) -> timedelta:
        return self._lease

    @property
    def running(self) -> set[UUID]:
        return set(self._tasks)

    async def start(self) -> None:
        self._stopping.clear()
        self._loops = [
            asyncio.create_task(self._sweep_loop(), name="executor-sweeper"),
            asyncio.create_task(self._heartbeat_loop(), name="executor-heartbeat"),
        ]

    async def stop(self) -> None:
        """Stop driving jobs and give their leases up, so another executor resumes them now."""
        self._stopping.set()
        tasks = [*self._loops, *self._tasks.values()]
        held = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loops.clear()
        with contextlib.suppress(Exception):
            async with self._engine.begin() as conn:
                for job_id in held:
                    await store.release(conn, job_id, self._owner, self._clock())
        for adapter in self._adapters.values():
            with contextlib.suppress(Exception):
                await adapter.close()

    def launch(self, job_id: UUID) -> None:
        """Drive `job_id` in a task of its own (no-op when already driven or stopping)."""
        if self._stopping.is_set() or job_id in self._tasks:
            return
        self._tasks[job_id] = asyncio.create_task(self._guarded(job_id), name=f"job-{job_id}")
        metrics.RUNNING.set(len(self._tasks))

    async def _guarded(self, job_id: UUID) -> None:
        try:
            await self.drive(job_id)
        except store.LeaseLost as lost:
            log.warning("executor.lease_lost", job_id=str(job_id), detail=str(lost))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The lease is left to expire: the job is retried after `lease_s`, not in a hot loop.
            log.error("executor.job_error", job_id=str(job_id), error=repr(exc))
            metrics.JOB_ERRORS.inc()
        finally:
            self._tasks.pop(job_id, None)
            metrics.RUNNING.set(len(self._tasks))

    async def _sweep_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                room = self._settings.max_running_jobs - len(self._tasks)
                if room > 0 and self._health.ready.is_set():
                    async with self._engine.begin() as conn:
                        claimed = await store.claim_expired(
                            conn, self._owner, self._clock(), self._lease, room
                        )
                    for job_id in claimed:
                        log.info("executor.job_resumed", job_id=str(job_id), owner=self._owner)
                        metrics.RESUMED.inc()
                        self.launch(job_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("executor.sweep_failed", error=repr(exc))
            await asyncio.sleep(self._settings.sweep_interval_s)

    async def _heartbeat_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(self._settings.lease_s / 3)
            ids = list(self._tasks)
            if not ids:
                continue
            try:
                async with self._engine.begin() as conn:
                    held = await store.heartbeat(
                        conn, self._owner, ids, self._clock() + self._lease
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("executor.heartbeat_failed", error=repr(exc))
                continue
            for job_id in set(ids) - held:
                task = self._tasks.get(job_id)
                if task is not None and job_id in self._tasks:
                    # Finished meanwhile, or taken over: in both cases this task must stop.
                    task.cancel()

    async def drive(self, job_id: UUID) -> None:
        """Run `job_id` until it finishes, or until this executor loses its lease."""
        await self._health.ready.wait()
        while (run := await self._decide(job_id)) is not None:
            await self._run_step(job_id, run)

    # -- one decision per transaction --------------------------------------------------

    async def _decide(self, job_id: UUID) -> _StepRun | None:
        """Lock the job and act on the domain's next actions, in one transaction.

        Steps whose adapter works inside the transaction (the registry) are started,
        applied and recorded in it one after the other, each recorded before the next
        starts and each behind its own health gate (`next_action`); the job is finished
        in the same transaction when they were its last steps (or one failed). Their
        effects and records commit together, so a crash repeats none of them. A step of
        any other adapter is recorded RUNNING here and returned, to run outside of it.
        """
        follow_up: UUID | None = None
        result: _StepRun | None = None
        async with self._engine.begin() as conn:
            outbox = OutboxWriter(conn)
            row = await store.lock_owned(conn, job_id, self._owner)
            status = JobStatus(row.status)
            if status not in (S.PENDING, S.RUNNING):
                return None
            request, cause = store.request_of(row), store.envelope_of(row)
            now = self._clock()
            started_at: datetime = row.started_at or now
            if status is S.PENDING:
                await self._start(conn, outbox, request, cause, now)
            else:
                await store.update_job(conn, job_id, lease_until=now + self._lease)
            records = await store.load_steps(conn, job_id)
            while True:
                state = JobState(request=request, started_at=started_at, records=records)
                action = next_action(state, self._health.view, now)
                if isinstance(action, Complete):
                    await self._complete(conn, outbox, request, cause, started_at, records, now)
                    break
                if isinstance(action, Fail):
                    follow_up = await self._fail(
                        conn, outbox, request, cause, started_at, records, action, now
                    )
                    break
                run = await self._begin_step(
                    conn, outbox, request, cause, started_at, records, action, now
                )
                adapter = self._adapters.get(run.step.adapter)
                if adapter is None or not adapter.in_transaction:
                    result = await self._store_started(conn, run)
                    break
                outcome = await adapter.run(self._call(run), StepTransaction(conn, outbox))
                finished = await self._record_outcome(conn, outbox, run, outcome)
                # This transaction holds the job: its records are those read plus this one.
                records = (*[r for r in records if r.number != finished.number], finished)
                now = self._clock()
            await outbox.flush()
        self._on_commit()
        if follow_up is not None:
            self.launch(follow_up)
        return result

    async def _start(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        request: JobRequested,
        cause: Envelope | None,
        now: datetime,
    ) -> None:
        """PENDING → RUNNING: the claim, with the health and registry evidence before."""
        health_before = health_snapshot(self._health.view, request.scope, now)
        registry_before = await scope_snapshot(conn, request.scope)
        await store.update_job(
            conn,
            request.job_id,
            status=S.RUNNING.value,
            started_at=now,
            health_before={k: v.value for k, v in health_before.items()},
            registry_before=registry_before,
            executed_by=self._owner,
            lease_until=now + self._lease,
            updated_at=now,
        )
        outbox.add(
            job_event(
                self._signer,
                request,
                JobEventKind.STARTED,
                S.RUNNING,
                now,
                label="STARTED",
                cause=cause,
                started_at=now,
                health_before=health_before,
                registry_before=registry_before,
            )
        )
        log.info("executor.job_started", job_id=str(request.job_id), kind=request.kind.value)
        if request.kind is JobKind.ROLLBACK:
            metrics.ROLLBACKS.inc()

    async def _begin_step(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        request: JobRequested,
        cause: Envelope | None,
        started_at: datetime,
        records: tuple[StepRecord, ...],
        action: StartStep,
        now: datetime,
    ) -> _StepRun:
        planned = request.steps[action.number - 1]
        reference = compensated_step(planned, request.rolls_back_job_id)
        compensated = await store.step_record(conn, *reference) if reference else None
        step = resolve_step(planned, compensated)
        attempt = AttemptKind.COMPENSATE if request.kind is JobKind.ROLLBACK else AttemptKind.APPLY
        key = step_idempotency_key(request.job_id, action.number, attempt)
        if action.resume:
            record = records[-1]
            await store.retry_step(conn, request.job_id, action.number, now)
            log.info("executor.step_resumed", job_id=str(request.job_id), step=action.number)
            return _StepRun(request, cause, started_at, step, record, key, attempt, stored=True)
        # The row is written by `_store_started` for a step that runs outside this
        # transaction, or with its outcome for one that runs inside it (one INSERT).
        record = step_started(planned, now)
        outbox.add(self._step_event(request, cause, record, now))
        return _StepRun(request, cause, started_at, step, record, key, attempt, stored=False)

    async def _store_started(self, conn: AsyncConnection, run: _StepRun) -> _StepRun:
        """Record a new step RUNNING before it runs outside the transaction."""
        if run.stored:
            return run
        await store.insert_step(
            conn,
            run.request.job_id,
            run.record,
            adapter=run.step.adapter,
            key=run.key,
            now=run.record.started_at or self._clock(),
        )
        return dataclasses.replace(run, stored=True)

    # -- running one step ----------------------------------------------------------------

    def _call(self, run: _StepRun) -> StepCall:
        return StepCall(
            job=run.request,
            step=run.step,
            idempotency_key=run.key,
            attempt=run.attempt,
            now=self._clock(),
            cause=run.cause,
        )

    async def _run_step(self, job_id: UUID, run: _StepRun) -> None:
        """Run a step whose adapter works outside the database, then record its outcome."""
        adapter = self._adapters.get(run.step.adapter)
        call = self._call(run)
        if adapter is None:
            outcome = StepOutcome(ok=False, error=f"no step adapter named {run.step.adapter!r}")
        else:
            deadline = run.started_at + timedelta(milliseconds=run.request.max_duration_ms)
            remaining = max((deadline - call.now).total_seconds(), 0.001)
            try:
                outcome = await asyncio.wait_for(adapter.run(call, None), timeout=remaining)
            except TimeoutError:
                # Still RUNNING at the deadline: the next decision fails the job with
                # JOB-DURATION and records this step FAILED (it is never compensated).
                log.warning("executor.step_timed_out", job_id=str(job_id), step=run.step.number)
                return
        async with self._engine.begin() as conn:
            outbox = OutboxWriter(conn)
            await store.lock_owned(conn, job_id, self._owner)
            await self._record_outcome(conn, outbox, run, outcome)
            await outbox.flush()
        self._on_commit()

    async def _record_outcome(
        self, conn: AsyncConnection, outbox: OutboxWriter, run: _StepRun, outcome: StepOutcome
    ) -> StepRecord:
        now = self._clock()
        finished = step_finished(run.record, outcome, now)
        if run.stored:
            await store.finish_step(conn, run.request.job_id, finished, now)
        else:
            await store.insert_step(
                conn, run.request.job_id, finished, adapter=run.step.adapter, key=run.key, now=now
            )
        outbox.add(self._step_event(run.request, run.cause, finished, now))
        metrics.STEPS.labels(run.step.type.value, run.step.adapter, finished.status.value).inc()
        log.info(
            "executor.step_finished",
            job_id=str(run.request.job_id),
            step=finished.number,
            status=finished.status.value,
            error=finished.error,
        )
        return finished

    def _step_event(
        self, request: JobRequested, cause: Envelope | None, record: StepRecord, now: datetime
    ) -> Any:
        return job_event(
            self._signer,
            request,
            JobEventKind.STEP,
            S.RUNNING,
            now,
            label=f"STEP:{record.number}:{record.status.value}",
            cause=cause,
            step=record,
        )

    # -- finishing ---------------------------------------------------------------------------

    async def _evidence_after(
        self, conn: AsyncConnection, request: JobRequested, now: datetime
    ) -> dict[str, Any]:
        health_after = health_snapshot(self._health.view, request.scope, now)
        return {
            "health_after": health_after,
            "registry_after": await scope_snapshot(conn, request.scope),
        }

    async def _finished(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        request: JobRequested,
        cause: Envelope | None,
        started_at: datetime,
        records: tuple[StepRecord, ...],
        reported: JobStatus,
        now: datetime,
        error: str | None,
    ) -> None:
        """Store the after-evidence and queue the FINISHED event reporting `reported`."""
        after = await self._evidence_after(conn, request, now)
        row = await store.get_job(conn, request.job_id)
        await store.update_job(
            conn,
            request.job_id,
            outcome=reported.value,
            health_after={k: v.value for k, v in after["health_after"].items()},
            registry_after=after["registry_after"],
        )
        outbox.add(
            job_event(
                self._signer,
                request,
                JobEventKind.FINISHED,
                reported,
                now,
                label="FINISHED",
                cause=cause,
                steps=list(records),
                started_at=started_at,
                finished_at=now,
                error=error,
                health_before=row.health_before,
                health_after=after["health_after"],
                registry_before=row.registry_before,
                registry_after=after["registry_after"],
            )
        )
        metrics.JOBS.labels(request.kind.value, reported.value).inc()
        metrics.JOB_DURATION_MS.labels(request.kind.value).observe(
            max((now - started_at).total_seconds() * 1000, 0)
        )
        log.info(
            "executor.job_finished",
            job_id=str(request.job_id),
            kind=request.kind.value,
            status=reported.value,
            error=error,
        )

    async def _settle_original(
        self, conn: AsyncConnection, request: JobRequested, result: JobStatus, now: datetime
    ) -> None:
        """A rollback's result lands on the job it rolls back, when that one awaits it."""
        original = request.rolls_back_job_id
        assert original is not None
        row = await store.lock_job(conn, original)
        if row is not None and row.status == S.ROLLBACK_PENDING.value:
            await store.update_job(
                conn, original, status=result.value, outcome=result.value, updated_at=now
            )

    async def _complete(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        request: JobRequested,
        cause: Envelope | None,
        started_at: datetime,
        records: tuple[StepRecord, ...],
        now: datetime,
    ) -> None:
        job_id = request.job_id
        await store.update_job(
            conn, job_id, status=S.COMPLETED.value, finished_at=now, updated_at=now
        )
        if request.kind is JobKind.EXECUTION:
            # JOB-005: a completed job always goes to audit; the FINISHED event is the request.
            await store.update_job(conn, job_id, status=S.AUDIT_PENDING.value)
            await self._finished(
                conn, outbox, request, cause, started_at, records, S.COMPLETED, now, None
            )
            return
        await self._settle_original(conn, request, S.ROLLED_BACK, now)
        await self._finished(
            conn, outbox, request, cause, started_at, records, S.ROLLED_BACK, now, None
        )

    async def _fail(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        request: JobRequested,
        cause: Envelope | None,
        started_at: datetime,
        records: tuple[StepRecord, ...],
        action: Fail,
        now: datetime,
    ) -> UUID | None:
        """RUNNING → FAILED; an execution job then goes to rollback (JOB-003)."""
        job_id = request.job_id
        if records and records[-1].status is StepStatus.RUNNING:
            # The in-flight step did not finish: it is recorded FAILED, never compensated.
            stopped = records[-1].model_copy(
                update={
                    "status": StepStatus.FAILED,
                    "ended_at": now,
                    "error": f"not completed: {action.reason}",
                }
            )
            await store.finish_step(conn, job_id, stopped, now)
            outbox.add(self._step_event(request, cause, stopped, now))
            records = (*records[:-1], stopped)
        await store.update_job(
            conn,
            job_id,
            status=S.FAILED.value,
            finished_at=now,
            error=action.reason,
            error_rule=action.rule,
            updated_at=now,
        )
        if action.rule == "JOB-002":
            metrics.HEALTH_GATE_BLOCKS.inc()
        if request.kind is JobKind.ROLLBACK:
            await self._settle_original(conn, request, S.ROLLBACK_FAILED, now)
            await self._finished(
                conn, outbox, request, cause, started_at, records, S.ROLLBACK_FAILED, now,
                action.reason,
            )  # fmt: skip
            return None
        await self._finished(
            conn, outbox, request, cause, started_at, records, S.FAILED, now, action.reason
        )
        return await self._start_rollback(conn, request, records, now)

    async def _start_rollback(
        self,
        conn: AsyncConnection,
        request: JobRequested,
        records: tuple[StepRecord, ...],
        now: datetime,
    ) -> UUID | None:
        job_id = request.job_id
        await store.update_job(conn, job_id, status=S.ROLLBACK_PENDING.value, updated_at=now)
        try:
            plan = rollback_steps(records)
        except ExecutorRefusal as refusal:
            log.error("executor.rollback_refused", job_id=str(job_id), detail=refusal.message)
            await store.update_job(
                conn,
                job_id,
                status=S.ROLLBACK_FAILED.value,
                outcome=S.ROLLBACK_FAILED.value,
            )
            return None
        if not plan:
            log.info("executor.nothing_to_compensate", job_id=str(job_id))
            await store.update_job(
                conn, job_id, status=S.ROLLED_BACK.value, outcome=S.ROLLED_BACK.value
            )
            return None
        steps = [
            step.model_copy(
                update={
                    "parameters": {
                        **step.parameters,
                        "compensates": {
                            "job_id": str(job_id),
                            "step": step.parameters["compensates_step"],
                        },
                    }
                }
            )
            for step in plan
        ]
        rollback = JobRequested(
            job_id=rollback_job_id(job_id),
            contract_id=request.contract_id,
            kind=JobKind.ROLLBACK,
            rolls_back_job_id=job_id,
            steps=steps,
            scope=request.scope,
            max_duration_ms=request.max_duration_ms,
            activation_window_start=now,
            activation_window_end=now + ROLLBACK_WINDOW,
            requested_at=now,
        )
        created = await store.insert_job(
            conn, rollback, envelope=None, owner=self._owner, now=now, lease=self._lease
        )
        return rollback.job_id if created else None

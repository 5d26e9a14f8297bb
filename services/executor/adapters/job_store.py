"""Jobs, their step records and leases in PostgreSQL.

A job is owned by the executor named in `lease_owner` until `lease_until`; the owner
extends the lease with a heartbeat and checks it (row lock) in every transaction that
records progress, so an executor that lost its lease can never record a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.executor.adapters.tables import job_steps, jobs
from govmesh.executor.domain.admission import KnownJob
from govmesh.schemas import Envelope, JobKind, JobRequested, JobStatus, StepRecord

IN_FLIGHT = (JobStatus.PENDING.value, JobStatus.RUNNING.value)


class LeaseLost(Exception):
    """Another executor owns the job now (our lease expired); stop driving it."""


async def known_jobs(conn: AsyncConnection, contract_id: UUID) -> list[KnownJob]:
    rows = (
        await conn.execute(
            sa.select(jobs.c.job_id, jobs.c.kind, jobs.c.status, jobs.c.rolls_back_job_id).where(
                jobs.c.contract_id == contract_id
            )
        )
    ).all()
    return [
        KnownJob(
            job_id=row.job_id,
            kind=JobKind(row.kind),
            status=JobStatus(row.status),
            rolls_back_job_id=row.rolls_back_job_id,
        )
        for row in rows
    ]


async def insert_job(
    conn: AsyncConnection,
    request: JobRequested,
    *,
    envelope: Envelope | None,
    owner: str,
    now: datetime,
    lease: timedelta,
) -> bool:
    """Record a job PENDING, leased to `owner`; False when it (or a rival) already exists."""
    result = await conn.execute(
        insert(jobs)
        .values(
            job_id=request.job_id,
            contract_id=request.contract_id,
            kind=request.kind.value,
            rolls_back_job_id=request.rolls_back_job_id,
            status=JobStatus.PENDING.value,
            request={
                "message": request.model_dump(mode="json"),
                "envelope": envelope.model_dump(mode="json") if envelope else None,
            },
            lease_owner=owner,
            lease_until=now + lease,
            claims=1,
            causation_id=envelope.event_id if envelope else None,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
        .returning(jobs.c.job_id)
    )
    return result.first() is not None


def request_of(row: Any) -> JobRequested:
    return JobRequested.model_validate(row.request["message"])


def envelope_of(row: Any) -> Envelope | None:
    raw = row.request.get("envelope")
    return Envelope.model_validate(raw) if raw else None


async def lock_job(conn: AsyncConnection, job_id: UUID) -> Any:
    """The job row, locked for this transaction (None when unknown)."""
    return (
        await conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id).with_for_update())
    ).first()


async def lock_owned(conn: AsyncConnection, job_id: UUID, owner: str) -> Any:
    """The job row locked, or LeaseLost when `owner` no longer holds its lease."""
    row = await lock_job(conn, job_id)
    if row is None or row.lease_owner != owner:
        raise LeaseLost(f"job {job_id} is leased to {row.lease_owner if row else 'nobody'}")
    return row


async def get_job(conn: AsyncConnection, job_id: UUID) -> Any:
    return (await conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id))).first()


async def update_job(conn: AsyncConnection, job_id: UUID, **values: Any) -> None:
    await conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(**values))


async def load_steps(conn: AsyncConnection, job_id: UUID) -> tuple[StepRecord, ...]:
    rows = (
        await conn.execute(
            sa.select(job_steps.c.record)
            .where(job_steps.c.job_id == job_id)
            .order_by(job_steps.c.number)
        )
    ).scalars()
    return tuple(StepRecord.model_validate(record) for record in rows)


async def step_record(conn: AsyncConnection, job_id: UUID, number: int) -> StepRecord | None:
    record = await conn.scalar(
        sa.select(job_steps.c.record).where(
            job_steps.c.job_id == job_id, job_steps.c.number == number
        )
    )
    return StepRecord.model_validate(record) if record is not None else None


async def insert_step(
    conn: AsyncConnection,
    job_id: UUID,
    record: StepRecord,
    *,
    adapter: str,
    key: UUID,
    now: datetime,
) -> None:
    await conn.execute(
        insert(job_steps).values(
            job_id=job_id,
            number=record.number,
            status=record.status.value,
            adapter=adapter,
            idempotency_key=key,
            record=record.model_dump(mode="json"),
            attempts=1,
            updated_at=now,
        )
    )


async def retry_step(conn: AsyncConnection, job_id: UUID, number: int, now: datetime) -> None:
    """Count one more attempt of an in-flight step being resumed (same idempotency key)."""
    await conn.execute(
        sa.update(job_steps)
        .where(job_steps.c.job_id == job_id, job_steps.c.number == number)
        .values(attempts=job_steps.c.attempts + 1, updated_at=now)
    )


async def finish_step(
    conn: AsyncConnection, job_id: UUID, record: StepRecord, now: datetime
) -> None:
    await conn.execute(
        sa.update(job_steps)
        .where(job_steps.c.job_id == job_id, job_steps.c.number == record.number)
        .values(status=record.status.value, record=record.model_dump(mode="json"), updated_at=now)
    )


async def claim_expired(
    conn: AsyncConnection, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[UUID]:
    """Take over in-flight jobs whose lease expired (their executor died); skip locked rows."""
    expired = (
        sa.select(jobs.c.job_id)
        .where(
            jobs.c.status.in_(IN_FLIGHT),
            sa.or_(jobs.c.lease_until.is_(None), jobs.c.lease_until < now),
        )
        .order_by(jobs.c.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await conn.execute(
        sa.update(jobs)
        .where(jobs.c.job_id.in_(expired.scalar_subquery()))
        .values(lease_owner=owner, lease_until=now + lease, claims=jobs.c.claims + 1)
        .returning(jobs.c.job_id)
    )
    return [row[0] for row in result]


async def heartbeat(
    conn: AsyncConnection, owner: str, job_ids: Sequence[UUID], until: datetime
) -> set[UUID]:
    """Extend the lease of the jobs `owner` still holds; return those it holds."""
    if not job_ids:
        return set()
    result = await conn.execute(
        sa.update(jobs)
        .where(
            jobs.c.job_id.in_(list(job_ids)),
            jobs.c.lease_owner == owner,
            jobs.c.status.in_(IN_FLIGHT),
        )
        .values(lease_until=until)
        .returning(jobs.c.job_id)
    )
    return {row[0] for row in result}


async def release(conn: AsyncConnection, job_id: UUID, owner: str, now: datetime) -> None:
    """Give a job's lease up at once (e.g. on shutdown) so another executor resumes it."""
    await conn.execute(
        sa.update(jobs)
        .where(jobs.c.job_id == job_id, jobs.c.lease_owner == owner, jobs.c.status.in_(IN_FLIGHT))
        .values(lease_until=now)
    )


async def list_jobs(
    conn: AsyncConnection,
    *,
    status: str | None = None,
    contract_id: UUID | None = None,
    limit: int = 100,
) -> list[Any]:
    query = sa.select(jobs).order_by(jobs.c.created_at.desc()).limit(limit)
    if status is not None:
        query = query.where(jobs.c.status == status)
    if contract_id is not None:
        query = query.where(jobs.c.contract_id == contract_id)
    return list((await conn.execute(query)).all())


def job_json(row: Any) -> dict[str, Any]:
    """The read API's view of one job row."""
    request = request_of(row)

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "job_id": str(row.job_id),
        "contract_id": str(row.contract_id),
        "kind": row.kind,
        "rolls_back_job_id": str(row.rolls_back_job_id) if row.rolls_back_job_id else None,
        "status": row.status,
        "outcome": row.outcome,
        "error": row.error,
        "error_rule": row.error_rule,
        "scope": request.scope,
        "max_duration_ms": request.max_duration_ms,
        "planned_steps": [s.model_dump(mode="json") for s in request.steps],
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
        "health_before": row.health_before,
        "health_after": row.health_after,
        "registry_before": row.registry_before,
        "registry_after": row.registry_after,
        "executed_by": row.executed_by,
        "claims": row.claims,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }

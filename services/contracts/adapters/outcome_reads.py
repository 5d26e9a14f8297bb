"""Read-only queries behind the audit and incident read API (own short transactions)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from govmesh.contracts.adapters.outcome_tables import (
    audit_reviews,
    audits,
    incidents,
    job_outcomes,
    rollout_transitions,
    rollouts,
)
from govmesh.contracts.adapters.tables import contracts
from govmesh.contracts.domain.outcome import IncidentKind, audit_state
from govmesh.schemas import CheckOutcome, FounderAction

_SUMMARY = (
    audits.c.audit_id,
    audits.c.job_id,
    audits.c.contract_id,
    audits.c.verdict,
    audits.c.reason,
    audits.c.attempt,
    audits.c.auditor_version,
    audits.c.duration_ms,
    audits.c.audited_at,
    audits.c.counts,
    audits.c.standing,
    audits.c.received_at,
)


def _json(row: RowMapping) -> dict[str, Any]:
    """Row values as JSON: UUIDs and times as strings (ISO 8601 with timezone)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, UUID):
            out[key] = str(value)
        elif hasattr(value, "isoformat"):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


async def audit_record(engine: AsyncEngine, job_id: UUID) -> dict[str, Any] | None:
    """Everything about the audit of one job; None when contracts knows no such job."""
    async with engine.connect() as conn:
        found = [
            _json(r)
            for r in (
                await conn.execute(
                    sa.select(*_SUMMARY)
                    .where(audits.c.job_id == job_id)
                    .order_by(audits.c.received_at, audits.c.attempt)
                )
            ).mappings()
        ]
        contract_id = await _contract_of(conn, job_id, found)
        if contract_id is None:
            return None
        standing = next((a for a in found if a["standing"]), None)
        review = (
            (
                await conn.execute(
                    sa.select(audit_reviews).where(
                        audit_reviews.c.audit_id == UUID(standing["audit_id"])
                    )
                )
            )
            .mappings()
            .one_or_none()
            if standing
            else None
        )
        linked = await incident_list(conn, contract_id=contract_id, limit=1000)
        timed_out = any(
            i["kind"] == IncidentKind.AUDIT_TIMEOUT.value and i["job_id"] == str(job_id)
            for i in linked
        )
        state = audit_state(
            CheckOutcome(standing["verdict"]) if standing else None,
            FounderAction(review["action"]) if review else None,
            timed_out=timed_out,
        )
        return {
            "job_id": str(job_id),
            "contract_id": str(contract_id),
            "state": state.value,
            "audit_id": standing["audit_id"] if standing else None,
            "verdict": standing["verdict"] if standing else None,
            "reason": standing["reason"] if standing else None,
            "audits": found,
            "review": _json(review) if review else None,
            "rollout": await _rollout(conn, contract_id),
            "jobs": await _jobs(conn, contract_id),
            "incidents": linked,
        }


async def _contract_of(
    conn: AsyncConnection, job_id: UUID, found: list[dict[str, Any]]
) -> UUID | None:
    if found:
        return UUID(found[0]["contract_id"])
    by_contract: UUID | None = await conn.scalar(
        sa.select(contracts.c.contract_id).where(contracts.c.job_id == job_id)
    )
    if by_contract is not None:
        return by_contract
    tracked: UUID | None = await conn.scalar(
        sa.select(job_outcomes.c.contract_id).where(job_outcomes.c.job_id == job_id)
    )
    return tracked


async def _rollout(conn: AsyncConnection, contract_id: UUID) -> dict[str, Any] | None:
    row = (
        (await conn.execute(sa.select(rollouts).where(rollouts.c.contract_id == contract_id)))
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    history = (
        await conn.execute(
            sa.select(
                rollout_transitions.c.from_state,
                rollout_transitions.c.to_state,
                rollout_transitions.c.event,
                rollout_transitions.c.reason,
                rollout_transitions.c.at,
                rollout_transitions.c.causation_id,
            )
            .where(rollout_transitions.c.contract_id == contract_id)
            .order_by(rollout_transitions.c.id)
        )
    ).mappings()
    return {**_json(row), "history": [_json(h) for h in history]}


async def _jobs(conn: AsyncConnection, contract_id: UUID) -> list[dict[str, Any]]:
    rows = (
        await conn.execute(
            sa.select(
                job_outcomes.c.job_id,
                job_outcomes.c.kind,
                job_outcomes.c.status,
                job_outcomes.c.rolls_back_job_id,
                job_outcomes.c.requested_by,
                job_outcomes.c.finished_at,
                job_outcomes.c.error,
                job_outcomes.c.updated_at,
            )
            .where(job_outcomes.c.contract_id == contract_id)
            # The execution job first ("execution" < "rollback"), then its rollbacks.
            .order_by(job_outcomes.c.kind, job_outcomes.c.updated_at, job_outcomes.c.job_id)
        )
    ).mappings()
    return [_json(r) for r in rows]


async def audit_checks(engine: AsyncEngine, audit_id: UUID) -> dict[str, Any] | None:
    """The audit's check results and counts."""
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    sa.select(
                        audits.c.audit_id,
                        audits.c.job_id,
                        audits.c.contract_id,
                        audits.c.verdict,
                        audits.c.reason,
                        audits.c.counts,
                        audits.c.checks,
                    ).where(audits.c.audit_id == audit_id)
                )
            )
            .mappings()
            .one_or_none()
        )
    return None if row is None else _json(row)


async def audit_evidence(engine: AsyncEngine, audit_id: UUID) -> dict[str, Any] | None:
    """The audit's evidence, health snapshots and provenance (GATE-9)."""
    async with engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    sa.select(
                        audits.c.audit_id,
                        audits.c.job_id,
                        audits.c.contract_id,
                        audits.c.verdict,
                        audits.c.evidence,
                        audits.c.health_before,
                        audits.c.health_after,
                        audits.c.auditor_version,
                        audits.c.duration_ms,
                        audits.c.attempt,
                        audits.c.audited_at,
                        audits.c.event_id,
                    ).where(audits.c.audit_id == audit_id)
                )
            )
            .mappings()
            .one_or_none()
        )
    return None if row is None else _json(row)


async def list_incidents(
    engine: AsyncEngine,
    *,
    contract_id: UUID | None = None,
    kind: IncidentKind | None = None,
    acknowledged: bool | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Incidents, newest first, optionally of one contract / kind / acknowledgement state."""
    async with engine.connect() as conn:
        return await incident_list(
            conn, contract_id=contract_id, kind=kind, acknowledged=acknowledged, limit=limit
        )


async def incident_list(
    conn: AsyncConnection,
    *,
    contract_id: UUID | None = None,
    kind: IncidentKind | None = None,
    acknowledged: bool | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    query = sa.select(incidents).order_by(incidents.c.opened_at.desc(), incidents.c.incident_id)
    if contract_id is not None:
        query = query.where(incidents.c.contract_id == contract_id)
    if kind is not None:
        query = query.where(incidents.c.kind == kind.value)
    if acknowledged is not None:
        column = incidents.c.acknowledged_at
        query = query.where(column.is_not(None) if acknowledged else column.is_(None))
    rows = (await conn.execute(query.limit(limit))).mappings()
    return [_json(r) for r in rows]

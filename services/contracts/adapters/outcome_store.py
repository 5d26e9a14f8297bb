"""Writes of the outcome part: audits, reviews, rollouts, job outcomes, incidents.

Bound to the same transaction (and outbox) as the `ContractRepository` it is built from,
so a contract's move, its rollout, its incident and their messages commit together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from govmesh.contracts.adapters.outcome_tables import (
    audit_reviews,
    audits,
    incidents,
    job_outcomes,
    rollout_transitions,
    rollouts,
)
from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.domain import Timer, TimerKind
from govmesh.contracts.domain.outcome import INCIDENT_RULES, IncidentKind, incident_id
from govmesh.contracts.domain.rollout import RolloutEvent, RolloutState
from govmesh.schemas import AuditVerdict, CheckOutcome, FounderAction, HealthStatus, JobStatus


@dataclass(frozen=True)
class Rollout:
    """A contract's rollout row."""

    contract_id: UUID
    job_id: UUID
    audit_id: UUID
    state: RolloutState
    baseline: dict[str, HealthStatus]
    deployed_at: datetime | None
    bake_until: datetime | None
    checks: int


@dataclass(frozen=True)
class StoredAudit:
    audit_id: UUID
    job_id: UUID
    contract_id: UUID
    verdict: CheckOutcome
    standing: bool


class OutcomeStore:
    """The outcome tables inside the repository's transaction."""

    def __init__(self, repo: ContractRepository) -> None:
        self.repo = repo
        self.conn = repo.conn

    # --- audits (AUDIT-004: insert only) ------------------------------------------------

    async def record_verdict(
        self, verdict: AuditVerdict, event_id: UUID, at: datetime
    ) -> StoredAudit:
        """Keep the verdict (once per audit id); the first verdict of a job is the standing one."""
        existing = await self.audit(verdict.audit_id)
        if existing is not None:
            return existing
        standing = await self.standing_audit(verdict.job_id)
        await self.conn.execute(
            insert(audits)
            .values(
                audit_id=verdict.audit_id,
                job_id=verdict.job_id,
                contract_id=verdict.contract_id,
                verdict=verdict.verdict.value,
                reason=verdict.reason,
                attempt=verdict.attempt,
                auditor_version=verdict.auditor_version,
                duration_ms=verdict.duration_ms,
                audited_at=verdict.audited_at,
                checks=[c.model_dump(mode="json") for c in verdict.checks],
                counts=verdict.counts,
                evidence=verdict.model_dump(mode="json")["evidence"],
                health_before=_health(verdict.health_before),
                health_after=_health(verdict.health_after),
                event_id=event_id,
                standing=standing is None,
                received_at=at,
            )
            .on_conflict_do_nothing()
        )
        return StoredAudit(
            verdict.audit_id,
            verdict.job_id,
            verdict.contract_id,
            verdict.verdict,
            standing is None,
        )

    async def audit(self, audit_id: UUID) -> StoredAudit | None:
        row = (
            await self.conn.execute(
                sa.select(
                    audits.c.audit_id,
                    audits.c.job_id,
                    audits.c.contract_id,
                    audits.c.verdict,
                    audits.c.standing,
                ).where(audits.c.audit_id == audit_id)
            )
        ).one_or_none()
        if row is None:
            return None
        return StoredAudit(
            row.audit_id, row.job_id, row.contract_id, CheckOutcome(row.verdict), row.standing
        )

    async def standing_audit(self, job_id: UUID) -> UUID | None:
        found: UUID | None = await self.conn.scalar(
            sa.select(audits.c.audit_id).where(audits.c.job_id == job_id).where(audits.c.standing)
        )
        return found

    async def reviewed(self, audit_id: UUID) -> bool:
        found = await self.conn.scalar(
            sa.select(sa.literal(True)).where(audit_reviews.c.audit_id == audit_id)
        )
        return bool(found)

    async def record_audit_review(
        self,
        *,
        audit_id: UUID,
        decision_id: UUID,
        contract_id: UUID,
        action: FounderAction,
        actor: str,
        session_id: str,
        context: str | None,
        decided_at: datetime,
        at: datetime,
    ) -> None:
        await self.conn.execute(
            insert(audit_reviews)
            .values(
                audit_id=audit_id,
                decision_id=decision_id,
                contract_id=contract_id,
                action=action.value,
                actor=actor,
                session_id=session_id,
                context=context,
                decided_at=decided_at,
                recorded_at=at,
            )
            .on_conflict_do_nothing()
        )

    # --- rollouts (SPEC §9) ---------------------------------------------------------------

    async def rollout(self, contract_id: UUID, *, lock: bool = False) -> Rollout | None:
        query = sa.select(rollouts).where(rollouts.c.contract_id == contract_id)
        if lock:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).one_or_none()
        if row is None:
            return None
        return Rollout(
            contract_id=row.contract_id,
            job_id=row.job_id,
            audit_id=row.audit_id,
            state=RolloutState(row.state),
            baseline={k: HealthStatus(v) for k, v in row.baseline.items()},
            deployed_at=row.deployed_at,
            bake_until=row.bake_until,
            checks=row.checks,
        )

    async def start_rollout(
        self, contract_id: UUID, job_id: UUID, audit_id: UUID, at: datetime
    ) -> None:
        """The contract's rollout at PENDING (once; a redelivery finds it)."""
        await self.conn.execute(
            insert(rollouts)
            .values(
                contract_id=contract_id,
                job_id=job_id,
                audit_id=audit_id,
                state=RolloutState.PENDING.value,
                baseline={},
                checks=0,
                updated_at=at,
            )
            .on_conflict_do_nothing()
        )

    async def move_rollout(
        self,
        contract_id: UUID,
        source: RolloutState,
        target: RolloutState,
        event: RolloutEvent,
        reason: str,
        at: datetime,
        *,
        causation_id: UUID | None,
        **values: Any,
    ) -> None:
        """Store one move of the rollout table and its history row."""
        await self.conn.execute(
            sa.update(rollouts)
            .where(rollouts.c.contract_id == contract_id)
            .values(state=target.value, updated_at=at, **values)
        )
        await self.conn.execute(
            sa.insert(rollout_transitions).values(
                contract_id=contract_id,
                from_state=source.value,
                to_state=target.value,
                event=event.value,
                reason=reason,
                at=at,
                causation_id=causation_id,
            )
        )

    async def count_bake_check(self, contract_id: UUID) -> int:
        """Count one bake check; returns how many have run (names the next check's timer)."""
        checks: int = await self.conn.scalar(
            sa.update(rollouts)
            .where(rollouts.c.contract_id == contract_id)
            .values(checks=rollouts.c.checks + 1)
            .returning(rollouts.c.checks)
        )
        return checks

    # --- jobs ---------------------------------------------------------------------------

    async def track_job(
        self,
        job_id: UUID,
        contract_id: UUID,
        kind: str,
        status: JobStatus | str,
        at: datetime,
        *,
        rolls_back_job_id: UUID | None = None,
        requested_by: str | None = None,
        finished_at: datetime | None = None,
        error: str | None = None,
        steps: list[dict[str, Any]] | None = None,
    ) -> None:
        """Upsert what is known of a job; a later report replaces the status."""
        values: dict[str, Any] = {
            "contract_id": contract_id,
            "kind": kind,
            "rolls_back_job_id": rolls_back_job_id,
            "status": str(status),
            "updated_at": at,
        }
        if requested_by is not None:
            values["requested_by"] = requested_by
        if finished_at is not None:
            values["finished_at"] = finished_at
        if error is not None:
            values["error"] = error
        if steps is not None:
            values["steps"] = steps
        row = {"steps": [], **values}
        statement = insert(job_outcomes).values(job_id=job_id, **row)
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=[job_outcomes.c.job_id],
                set_={k: statement.excluded[k] for k in values},
            )
        )

    async def job_status(self, job_id: UUID) -> str | None:
        found: str | None = await self.conn.scalar(
            sa.select(job_outcomes.c.status).where(job_outcomes.c.job_id == job_id)
        )
        return found

    # --- incidents ------------------------------------------------------------------------

    async def open_incident(
        self,
        kind: IncidentKind,
        subject: UUID,
        *,
        contract_id: UUID,
        job_id: UUID | None,
        audit_id: UUID | None,
        message: str,
        at: datetime,
        causation_id: UUID | None,
    ) -> UUID | None:
        """Open the incident of `kind` about `subject`; None when it is already open."""
        opened: UUID | None = await self.conn.scalar(
            insert(incidents)
            .values(
                incident_id=incident_id(kind, subject),
                contract_id=contract_id,
                job_id=job_id,
                audit_id=audit_id,
                kind=kind.value,
                rule=INCIDENT_RULES[kind],
                message=message,
                opened_at=at,
                causation_id=causation_id,
            )
            .on_conflict_do_nothing()
            .returning(incidents.c.incident_id)
        )
        return opened

    async def incident_holder(self, incident_id: UUID) -> tuple[UUID, str | None] | None:
        """(contract_id, acknowledged_by) of a stored incident, its row locked; None if none."""
        row = (
            await self.conn.execute(
                sa.select(incidents.c.contract_id, incidents.c.acknowledged_by)
                .where(incidents.c.incident_id == incident_id)
                .with_for_update()
            )
        ).one_or_none()
        return None if row is None else (row.contract_id, row.acknowledged_by)

    async def acknowledge_incident(
        self, incident_id: UUID, *, actor: str, reason: str | None, at: datetime
    ) -> None:
        """Acknowledge one open incident (the only change an incident ever takes)."""
        await self.conn.execute(
            sa.update(incidents)
            .where(incidents.c.incident_id == incident_id)
            .where(incidents.c.acknowledged_at.is_(None))
            .values(acknowledged_at=at, acknowledged_by=actor, acknowledgement=reason)
        )

    async def acknowledge_incidents(
        self, *, audit_id: UUID, actor: str, reason: str | None, at: datetime
    ) -> int:
        """Acknowledge every open incident linked to the audit; returns how many."""
        result = await self.conn.execute(
            sa.update(incidents)
            .where(incidents.c.audit_id == audit_id)
            .where(incidents.c.acknowledged_at.is_(None))
            .values(acknowledged_at=at, acknowledged_by=actor, acknowledgement=reason)
        )
        return int(result.rowcount or 0)

    # --- timers of the outcome (kinds of their own, keys of their own) --------------------

    async def schedule(
        self,
        contract_id: UUID,
        kind: str,
        key: str,
        due_at: datetime,
        rule: str,
        payload: dict[str, Any] | None = None,
    ) -> None:
        # `Timer.kind` only names the domain's managed kinds; `kind=`/`key=` override it,
        # as `schedule_timer` provides for kinds added outside `scheduled_timers`.
        placeholder = Timer(contract_id, TimerKind.EXPIRY, due_at, rule)
        await self.repo.schedule_timer(placeholder, kind=kind, key=key, payload=payload)


def _health(health: dict[str, HealthStatus] | None) -> dict[str, str] | None:
    return None if health is None else {k: v.value for k, v in health.items()}

"""The contract store: every write of the contract authority goes through this module.

A `ContractRepository` is bound to one open transaction (the consumer batch's or the
timer loop's) and to that transaction's `OutboxWriter`, so a state change and the
events it causes commit together or not at all (ARCHITECTURE: outbox). Use:

    repo = ContractRepository(conn, outbox, publisher, policy)
    before = await repo.load_for_update(contract_id)           # row lock
    after, moved = some_domain_function(before, ..., now)      # pure
    await repo.apply(before, after, [moved], cause=envelope)   # persist + publish

`apply` is the one place a stored contract changes status: it updates the row under the
optimistic lock (`version`), appends the history, releases capability claims when the
contract turns terminal (keeps them otherwise), re-plans the contract's own timers and
writes one `contracts.lifecycle` event per transition to the outbox. The database
trigger refuses what the domain would refuse (CONTRACT-001…007), so a bug here cannot
store an invalid move.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.contracts.adapters.messages import Publisher
from govmesh.contracts.adapters.tables import (
    capability_claims,
    contract_transitions,
    contracts,
    review_events,
    timers,
)
from govmesh.contracts.domain import (
    TERMINAL,
    ReviewRecord,
    ReviewResult,
    Timer,
    TimerKind,
    TimerPolicy,
    scheduled_timers,
)
from govmesh.contracts.metrics import TRANSITIONS
from govmesh.mesh.db import OutboxWriter
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import ContractSnapshot, CrmEvent, Envelope, FounderAction, Transition

#: Timer kinds `scheduled_timers` plans from a contract's state; `apply` re-plans these
#: after every change. Other kinds (added later, e.g. audit timeouts) are scheduled and
#: cancelled explicitly with `schedule_timer` / `cancel_timers` and are left alone here.
MANAGED_KINDS: frozenset[str] = frozenset(kind.value for kind in TimerKind)

PENDING, FIRED, CANCELLED, FAILED = "PENDING", "FIRED", "CANCELLED", "FAILED"


class StaleContract(RetryableError):
    """The row changed under the optimistic lock; re-read and retry."""


@dataclass(frozen=True)
class DueTimer:
    """A claimed timer row (locked until the transaction ends) and its contract."""

    timer_key: str
    kind: str
    due_at: datetime
    rule: str
    payload: dict[str, Any]
    attempts: int
    contract: ContractSnapshot


def capability_key(name: str) -> str:
    """Capability names compare case-insensitively (stored upper case, as in the registry)."""
    return name.strip().upper()


def _row_values(contract: ContractSnapshot) -> dict[str, Any]:
    return {
        "version": contract.version,
        "status": contract.status.value,
        "issue_id": contract.issue_id,
        "parent_contract_id": contract.parent_contract_id,
        "capabilities": sorted({capability_key(c) for c in contract.affected_capabilities}),
        "audit_verdict": contract.audit_verdict.value,
        "approved_by": list(contract.approved_by),
        "job_id": contract.job_id,
        "confidence_score": contract.confidence_score,
        "snapshot": contract.model_dump(mode="json"),
        "updated_at": contract.updated_at,
    }


class ContractRepository:
    """Contract state, history, claims, reviews and timers inside one transaction."""

    def __init__(
        self,
        conn: AsyncConnection,
        outbox: OutboxWriter,
        publisher: Publisher,
        policy: TimerPolicy,
    ) -> None:
        self.conn = conn
        self.outbox = outbox
        self.publisher = publisher
        self.policy = policy

    # --- contracts -------------------------------------------------------------------

    async def load_for_update(self, contract_id: UUID) -> ContractSnapshot | None:
        """The contract with its row locked until the transaction ends (None if absent)."""
        snapshot = await self.conn.scalar(
            sa.select(contracts.c.snapshot)
            .where(contracts.c.contract_id == contract_id)
            .with_for_update()
        )
        return None if snapshot is None else ContractSnapshot.model_validate(snapshot)

    async def load_event(self, contract_id: UUID) -> CrmEvent | None:
        """The CRM event the contract was created from (needed to send a revision)."""
        raw = await self.conn.scalar(
            sa.select(contracts.c.event).where(contracts.c.contract_id == contract_id)
        )
        return None if raw is None else CrmEvent.model_validate(raw)

    async def create(
        self,
        contract: ContractSnapshot,
        history: Sequence[Transition],
        *,
        event: CrmEvent,
        cause: Envelope | None,
    ) -> None:
        """Insert a new contract (intake statuses only, the trigger checks) with its history.

        Capability claims must already be held (`claim_capabilities`) when the contract
        is open; one lifecycle event per transition is written to the outbox.
        """
        await self.conn.execute(
            sa.insert(contracts).values(
                contract_id=contract.contract_id,
                event=event.model_dump(mode="json"),
                created_at=contract.created_at,
                **_row_values(contract),
            )
        )
        await self._after_change(contract, history, cause)

    async def apply(
        self,
        before: ContractSnapshot,
        after: ContractSnapshot,
        history: Sequence[Transition],
        *,
        cause: Envelope | None,
        plan_timers: bool = True,
    ) -> None:
        """Store `after` (from `before`, loaded FOR UPDATE) with the transitions leading there.

        Several transitions (a revision's DRAFT → VALIDATED → ELIGIBLE) are stored one
        status step per UPDATE, so the database trigger judges every move, not just the
        first and last status. Raises `StaleContract` if the row is no longer at
        `before.version`. `plan_timers=False` leaves the timers to the next `apply` of
        the same transaction, for a contract that moves on at once.
        """
        version = before.version
        for step in history[:-1]:
            await self._update(
                before.contract_id,
                version,
                {"status": step.to_status.value, "version": version + 1},
            )
            version += 1
        await self._update(before.contract_id, version, _row_values(after))
        await self._after_change(after, history, cause, plan_timers=plan_timers)

    async def _update(self, contract_id: UUID, version: int, values: dict[str, Any]) -> None:
        result = await self.conn.execute(
            sa.update(contracts)
            .where(contracts.c.contract_id == contract_id)
            .where(contracts.c.version == version)
            .values(**values)
        )
        if result.rowcount != 1:
            raise StaleContract(f"contract {contract_id} is no longer at version {version}")

    async def amend(
        self,
        before: ContractSnapshot,
        after: ContractSnapshot,
        *,
        actor: str,
        reason: str,
        cause: Envelope | None,
    ) -> None:
        """Store a same-status change (clarification asked or answered).

        Not a transition, so no history row; the lifecycle event carries a same-status
        `Transition` so every view of the compacted topic sees the new fields.
        """
        await self.apply(before, after, [], cause=cause)
        same = Transition(
            from_status=after.status,
            to_status=after.status,
            actor=actor,
            reason=reason,
            at=after.updated_at,
            causation_id=cause.event_id if cause else None,
        )
        self.send(self.publisher.lifecycle(after, same, cause))

    async def _after_change(
        self,
        contract: ContractSnapshot,
        history: Sequence[Transition],
        cause: Envelope | None,
        *,
        plan_timers: bool = True,
    ) -> None:
        first_version = contract.version - len(history) + 1
        if history:
            await self.conn.execute(
                sa.insert(contract_transitions),
                [
                    {
                        "contract_id": contract.contract_id,
                        "version": first_version + index,
                        "from_status": t.from_status.value if t.from_status else None,
                        "to_status": t.to_status.value,
                        "actor": t.actor,
                        "reason": t.reason,
                        "at": t.at,
                        "causation_id": t.causation_id,
                    }
                    for index, t in enumerate(history)
                ],
            )
        if contract.status in TERMINAL:
            await self.release_claims(contract.contract_id)
        if plan_timers:
            await self.sync_timers(contract)
        for moved in history:
            self.send(self.publisher.lifecycle(contract, moved, cause))
            TRANSITIONS.labels(
                moved.from_status.value if moved.from_status else "", moved.to_status.value
            ).inc()

    def send(self, item: Outgoing) -> None:
        """Publish `item` when (and only if) this transaction commits."""
        self.outbox.add(item)

    # --- capability claims (E-006) ------------------------------------------------------

    async def claim_capabilities(
        self, contract_id: UUID, capabilities: Iterable[str], at: datetime
    ) -> UUID | None:
        """Claim every capability for `contract_id`; None when all are held by it now.

        Otherwise nothing is claimed and the holder of the first taken capability is
        returned. Claims are taken in sorted order so concurrent claimants queue on the
        same rows instead of deadlocking; a concurrent claimant's insert waits for the
        first transaction and then sees its row (the race-free half of E-006).
        """
        names = sorted({capability_key(c) for c in capabilities})
        if not names:
            return None
        savepoint = await self.conn.begin_nested()
        for name in names:
            claimed = await self.conn.scalar(
                insert(capability_claims)
                .values(capability=name, contract_id=contract_id, claimed_at=at)
                .on_conflict_do_nothing()
                .returning(capability_claims.c.contract_id)
            )
            if claimed is None:
                holder: UUID | None = await self.conn.scalar(
                    sa.select(capability_claims.c.contract_id).where(
                        capability_claims.c.capability == name
                    )
                )
                if holder == contract_id:
                    continue
                await savepoint.rollback()
                if holder is None:
                    raise RetryableError(f"the claim on {name} was released meanwhile; retry")
                return holder
        await savepoint.commit()
        return None

    async def release_claims(self, contract_id: UUID) -> None:
        """Free the contract's capabilities (it is no longer open)."""
        await self.conn.execute(
            sa.delete(capability_claims).where(capability_claims.c.contract_id == contract_id)
        )

    # --- founder reviews (REVIEW-004) ---------------------------------------------------

    async def record_review(self, record: ReviewRecord) -> None:
        """Keep one founder decision, whatever its result; refusals carry their rule."""
        await self.conn.execute(
            insert(review_events)
            .values(
                decision_id=record.decision_id,
                contract_id=record.contract_id,
                action=record.action.value,
                actor=record.actor,
                session_id=record.session_id,
                result=record.result.value,
                rule=record.rule,
                message=record.message,
                decided_at=record.decided_at,
                recorded_at=record.recorded_at,
                record=record.model_dump(mode="json"),
            )
            .on_conflict_do_nothing()
        )

    async def approvals(self, contract_id: UUID) -> tuple[str, ...]:
        """Founders whose approval of the contract counts (applied or recorded), in order."""
        rows = await self.conn.execute(
            sa.select(review_events.c.actor)
            .where(review_events.c.contract_id == contract_id)
            .where(review_events.c.action == FounderAction.APPROVE.value)
            .where(
                review_events.c.result.in_(
                    [ReviewResult.APPLIED.value, ReviewResult.RECORDED.value]
                )
            )
            .order_by(review_events.c.recorded_at)
        )
        return tuple(row[0] for row in rows)

    # --- timers -------------------------------------------------------------------------

    async def sync_timers(self, contract: ContractSnapshot) -> None:
        """Re-plan the contract's managed timers from its state (`scheduled_timers`).

        Scheduled ones are upserted with their (possibly moved) due time; a timer that
        already fired stays fired (each fires at most once). Managed timers no longer
        scheduled (status moved on, clarification pause) are cancelled.
        """
        wanted = scheduled_timers(contract, self.policy)
        keep = [t.key for t in wanted]
        cancel = (
            sa.update(timers)
            .where(timers.c.contract_id == contract.contract_id)
            .where(timers.c.kind.in_(sorted(MANAGED_KINDS)))
            .where(timers.c.state == PENDING)
            .where(timers.c.timer_key.not_in(keep) if keep else sa.true())
            .values(state=CANCELLED)
        )
        if wanted:
            # One statement: the upserts run as a CTE beside the cancel. They touch only
            # the kept keys and the cancel only the others, so no row is changed twice.
            upsert = _upsert_timers([_timer_row(t) for t in wanted]).cte("scheduled")
            cancel = cancel.add_cte(upsert)
        await self.conn.execute(cancel)

    async def schedule_timer(
        self,
        timer: Timer,
        *,
        kind: str | None = None,
        key: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Upsert a PENDING timer; `kind`/`key` override the domain's for new timer kinds.

        A FIRED or FAILED timer with the same key is left alone: it fired once already.
        """
        row = _timer_row(timer, kind=kind, key=key, payload=payload)
        await self.conn.execute(_upsert_timers([row]))

    async def cancel_timers(self, contract_id: UUID, kinds: Iterable[str]) -> None:
        """Cancel the contract's pending timers of `kinds`."""
        await self.conn.execute(
            sa.update(timers)
            .where(timers.c.contract_id == contract_id)
            .where(timers.c.kind.in_(list(kinds)))
            .where(timers.c.state == PENDING)
            .values(state=CANCELLED)
        )

    async def claim_due_timer(self, now: datetime) -> DueTimer | None:
        """The earliest due PENDING timer, its row and its contract's row locked.

        FOR UPDATE SKIP LOCKED over both rows: replicas never fire the same timer, and the
        loop never waits on a contract a consumer is changing (so it cannot deadlock with
        it); that timer is simply taken on a later pass.
        """
        row = (
            await self.conn.execute(
                sa.select(
                    timers.c.timer_key,
                    timers.c.kind,
                    timers.c.due_at,
                    timers.c.rule,
                    timers.c.payload,
                    timers.c.attempts,
                    contracts.c.snapshot,
                )
                .join(contracts, contracts.c.contract_id == timers.c.contract_id)
                .where(timers.c.state == PENDING)
                .where(timers.c.due_at <= now)
                .order_by(timers.c.due_at)
                .limit(1)
                .with_for_update(of=[timers, contracts], skip_locked=True)
            )
        ).one_or_none()
        if row is None:
            return None
        return DueTimer(
            timer_key=row.timer_key,
            kind=row.kind,
            due_at=row.due_at,
            rule=row.rule,
            payload=dict(row.payload),
            attempts=row.attempts,
            contract=ContractSnapshot.model_validate(row.snapshot),
        )

    async def finish_timer(
        self, key: str, state: str, now: datetime, error: str | None = None
    ) -> None:
        """Mark a claimed timer FIRED, CANCELLED (stale) or FAILED (with the error)."""
        await self.conn.execute(
            sa.update(timers)
            .where(timers.c.timer_key == key)
            .values(
                state=state,
                fired_at=now,
                last_error=error,
                attempts=timers.c.attempts + 1,
            )
        )


def _timer_row(
    timer: Timer,
    *,
    kind: str | None = None,
    key: str | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "timer_key": key or timer.key,
        "contract_id": timer.contract_id,
        "kind": kind or timer.kind.value,
        "due_at": timer.due_at,
        "rule": timer.rule,
        "state": PENDING,
        "payload": payload or {},
        "attempts": 0,
    }


def _upsert_timers(rows: list[dict[str, Any]]) -> Any:
    """PENDING timers, due times moved; one that FIRED or FAILED already is left alone."""
    statement = insert(timers).values(rows)
    return statement.on_conflict_do_update(
        index_elements=[timers.c.timer_key],
        set_={
            "due_at": statement.excluded.due_at,
            "rule": statement.excluded.rule,
            "payload": statement.excluded.payload,
            "state": PENDING,
        },
        where=timers.c.state.in_([PENDING, CANCELLED]),
    )

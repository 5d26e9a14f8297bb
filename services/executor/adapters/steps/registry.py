"""The built-in step adapter: changes the governed registry in the executor's schema.

It runs inside the transaction that records the step's outcome and, in that same
transaction, records the step's idempotency key with the outcome in `step_effects`:
a re-run of the same step (a resumed job) finds the key and returns the recorded
outcome without writing again (SPEC §11: database write = upsert keyed by an
idempotency key). A `signal_record` step publishes a `GovernanceSignal` through the outbox.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from govmesh.executor.adapters.registry_store import load_registry, write_registry
from govmesh.executor.adapters.steps import AdapterContext, StepCall, StepTransaction
from govmesh.executor.adapters.tables import step_effects
from govmesh.executor.domain.idempotency import AttemptKind
from govmesh.executor.domain.registry import changed_names
from govmesh.executor.domain.steps import StepOutcome, apply_step
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import SYSTEM_SCOPE, GovernanceSignal, SignalType, StepType

SIGNALS_TOPIC = "governance.signals"


def _stored(outcome: StepOutcome) -> dict[str, Any]:
    return {
        "ok": outcome.ok,
        "result": outcome.result,
        "error": outcome.error,
        "rollback_action": outcome.rollback_action,
    }


def _restored(row: dict[str, Any]) -> StepOutcome:
    return StepOutcome(
        ok=bool(row["ok"]),
        result={**(row.get("result") or {}), "replayed": True},
        error=row.get("error"),
        rollback_action=row.get("rollback_action"),
    )


class RegistryAdapter:
    """capability_enable / capability_disable / config_update / signal_record on the registry."""

    in_transaction = True

    def __init__(self, context: AdapterContext) -> None:
        self._context = context

    async def close(self) -> None:
        return None

    async def run(self, call: StepCall, tx: StepTransaction | None) -> StepOutcome:
        """Apply `call.step` once per idempotency key; a repeat returns the recorded outcome."""
        if tx is None:
            raise RuntimeError("the registry adapter runs inside the step's transaction")
        conn = tx.conn
        seen = await conn.scalar(
            sa.select(step_effects.c.outcome).where(
                step_effects.c.idempotency_key == call.idempotency_key
            )
        )
        if seen is not None:
            return _restored(seen)
        step = call.step
        locks = [step.target] if step.target != SYSTEM_SCOPE else [SYSTEM_SCOPE]
        before = await load_registry(conn, names={step.target, SYSTEM_SCOPE}, lock=locks)
        after, outcome = apply_step(
            before, step, compensation=call.attempt is AttemptKind.COMPENSATE
        )
        if outcome.ok:
            names = changed_names(before, after)
            if names:
                await write_registry(
                    conn,
                    tx.outbox,
                    after,
                    names,
                    call.now,
                    self._context.signer,
                    cause=call.cause,
                )
            if step.type is StepType.SIGNAL_RECORD:
                self._signal(call, tx, outcome)
        # Same transaction as the registry write: the key and the change commit together.
        await conn.execute(
            insert(step_effects)
            .values(
                idempotency_key=call.idempotency_key,
                job_id=call.job.job_id,
                number=step.number,
                outcome=_stored(outcome),
                applied_at=call.now,
            )
            .on_conflict_do_nothing()
        )
        return outcome

    def _signal(self, call: StepCall, tx: StepTransaction, outcome: StepOutcome) -> None:
        signal_type = SignalType(outcome.result["signal_type"])
        signal = GovernanceSignal(
            scope=call.step.target,
            signal_type=signal_type,
            active=True,
            issued_by="executor",
            reason=outcome.result.get("reason") or f"job {call.job.job_id} step {call.step.number}",
            issued_at=call.now,
        )
        envelope = make_envelope(
            signal, self._context.signer, event_id=call.idempotency_key, cause=call.cause
        )
        key = f"{call.step.target}+{signal_type.value}"
        tx.outbox.add(Outgoing(SIGNALS_TOPIC, key, envelope))

"""Step adapters: how a planned step reaches the system it changes (ARCHITECTURE).

Adapters are discovered through the entry-point group `govmesh.step_adapters` (the
built-in `registry` and `webhook` are declared in pyproject.toml); a step names its
adapter in `PlannedStep.adapter`. Every call carries the step's idempotency key
(`step_idempotency_key`): a resumed executor re-runs an in-flight step with the same key
and the adapter must make the repeat a no-op (SPEC §11).

An adapter with `in_transaction = True` runs inside the database transaction that
records the step's outcome (it gets the connection and the outbox); any other adapter
runs outside it, bounded by the job's remaining `max_duration_ms`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import entry_points
from typing import Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.executor.domain.idempotency import AttemptKind
from govmesh.executor.domain.steps import StepOutcome
from govmesh.executor.settings import ExecutorSettings
from govmesh.mesh.db import OutboxWriter
from govmesh.mesh.signing import Signer
from govmesh.schemas import Envelope, JobRequested, PlannedStep

ENTRY_POINT_GROUP = "govmesh.step_adapters"


@dataclass(frozen=True)
class AdapterContext:
    """What an adapter is built with: settings, the executor's signer and its clock."""

    settings: ExecutorSettings
    signer: Signer
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class StepCall:
    """One run of one step: `attempt` is APPLY for an execution job, COMPENSATE for a rollback."""

    job: JobRequested
    step: PlannedStep
    idempotency_key: UUID
    attempt: AttemptKind
    now: datetime
    cause: Envelope | None = None


@dataclass
class StepTransaction:
    """The transaction that records the step's outcome, for in-transaction adapters."""

    conn: AsyncConnection
    outbox: OutboxWriter


class StepAdapter(Protocol):
    """Applies (or compensates) one step; must be idempotent per `call.idempotency_key`."""

    in_transaction: bool

    async def run(self, call: StepCall, tx: StepTransaction | None) -> StepOutcome: ...

    async def close(self) -> None: ...


AdapterFactory = Callable[[AdapterContext], StepAdapter]


def discover() -> dict[str, AdapterFactory]:
    """Every adapter class declared in the `govmesh.step_adapters` entry-point group."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}


def load_adapters(context: AdapterContext) -> dict[str, StepAdapter]:
    """An instance of every declared adapter, by its entry-point name."""
    return {name: factory(context) for name, factory in discover().items()}

"""The governed registry in PostgreSQL: read it as a `RegistryModel`, write changes + outbox.

Every write publishes the changed records on `registry.state` (key = capability name,
SYSTEM for the system configuration) through the outbox, in the writer's transaction,
with an event id derived from (name, revision) so a repeated write is dropped downstream.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.executor.adapters.tables import registry
from govmesh.executor.domain.registry import RegistryModel, from_records, snapshot, to_records
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import OutboxWriter
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import Outgoing
from govmesh.mesh.signing import Signer
from govmesh.schemas import SYSTEM_SCOPE, Envelope, Lifecycle, RegistryState

REGISTRY_TOPIC = "registry.state"


def _record(row: Any) -> RegistryState:
    return RegistryState(
        name=row.name,
        enabled=row.enabled,
        lifecycle=Lifecycle(row.lifecycle) if row.lifecycle else None,
        frozen=row.frozen,
        qualifier=row.qualifier,
        config=row.config,
        revision=row.revision,
        updated_at=row.updated_at,
    )


async def load_records(
    conn: AsyncConnection, names: Iterable[str] | None = None
) -> list[RegistryState]:
    """Every stored record by name, or only those of `names`."""
    query = sa.select(registry).order_by(registry.c.name)
    if names is not None:
        query = query.where(registry.c.name.in_(sorted(set(names))))
    return [_record(row) for row in (await conn.execute(query)).all()]


async def load_registry(
    conn: AsyncConnection, *, names: Iterable[str] | None = None, lock: Iterable[str] = ()
) -> RegistryModel:
    """The registry as stored (only `names`, if given: a step needs its target and SYSTEM,
    not every capability); rows named in `lock` are locked for this transaction first."""
    locked = sorted(set(lock))
    if locked:
        await conn.execute(
            sa.select(registry.c.name)
            .where(registry.c.name.in_(locked))
            .order_by(registry.c.name)
            .with_for_update()
        )
    return from_records(await load_records(conn, names))


async def stored_names(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(sa.select(registry.c.name))).scalars())


async def scope_snapshot(conn: AsyncConnection, scope: Iterable[str]) -> dict[str, Any]:
    """The registry records of a job's scope and SYSTEM, as stored now (auditor evidence)."""
    return snapshot(await load_registry(conn, names={*scope, SYSTEM_SCOPE}))


def registry_envelope(record: RegistryState, signer: Signer, cause: Envelope | None) -> Envelope:
    return make_envelope(
        record,
        signer,
        event_id=deterministic_id("registry.state", record.name, record.revision),
        cause=cause,
    )


async def write_registry(
    conn: AsyncConnection,
    outbox: OutboxWriter,
    model: RegistryModel,
    names: Iterable[str],
    at: datetime,
    signer: Signer,
    *,
    cause: Envelope | None = None,
) -> list[RegistryState]:
    """Store the records of `names` from `model` and queue each on `registry.state`."""
    records = to_records(model, at, names)
    for record in records:
        values = {
            "name": record.name,
            "enabled": record.enabled,
            "lifecycle": record.lifecycle.value if record.lifecycle else None,
            "frozen": record.frozen,
            "qualifier": record.qualifier,
            "config": record.config,
            "revision": record.revision,
            "updated_at": at,
        }
        statement = insert(registry).values(values)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=[registry.c.name],
                set_={k: statement.excluded[k] for k in values if k != "name"},
            )
        )
        outbox.add(Outgoing(REGISTRY_TOPIC, record.name, registry_envelope(record, signer, cause)))
    return records

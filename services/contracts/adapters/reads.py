"""Read-only queries behind the HTTP read API (no locks, own short transactions)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.adapters.repository import capability_key
from govmesh.contracts.adapters.tables import contract_transitions, contracts
from govmesh.schemas import ContractSnapshot, ContractStatus, Transition


async def list_contracts(
    engine: AsyncEngine,
    *,
    status: ContractStatus | None = None,
    capability: str | None = None,
    limit: int = 100,
) -> list[ContractSnapshot]:
    """Contracts, newest first, optionally with one status and/or touching one capability."""
    query = sa.select(contracts.c.snapshot).order_by(
        contracts.c.created_at.desc(), contracts.c.contract_id
    )
    if status is not None:
        query = query.where(contracts.c.status == status.value)
    if capability is not None:
        query = query.where(contracts.c.capabilities.contains([capability_key(capability)]))
    async with engine.connect() as conn:
        rows = await conn.execute(query.limit(limit))
        return [ContractSnapshot.model_validate(row[0]) for row in rows]


async def get_contract(engine: AsyncEngine, contract_id: UUID) -> ContractSnapshot | None:
    async with engine.connect() as conn:
        raw = await conn.scalar(
            sa.select(contracts.c.snapshot).where(contracts.c.contract_id == contract_id)
        )
    return None if raw is None else ContractSnapshot.model_validate(raw)


async def get_history(engine: AsyncEngine, contract_id: UUID) -> list[Transition] | None:
    """The contract's transitions in order, or None when there is no such contract."""
    async with engine.connect() as conn:
        exists = await conn.scalar(
            sa.select(sa.literal(True)).where(contracts.c.contract_id == contract_id)
        )
        if not exists:
            return None
        rows = await conn.execute(
            sa.select(
                contract_transitions.c.from_status,
                contract_transitions.c.to_status,
                contract_transitions.c.actor,
                contract_transitions.c.reason,
                contract_transitions.c.at,
                contract_transitions.c.causation_id,
            )
            .where(contract_transitions.c.contract_id == contract_id)
            .order_by(contract_transitions.c.id)
        )
        return [Transition.model_validate(dict(row._mapping)) for row in rows]


#: Contracts no founder has decided yet (SPEC §12 "contracts pending").
UNDECIDED = (ContractStatus.DRAFT, ContractStatus.VALIDATED, ContractStatus.ELIGIBLE)


async def review_backlog(engine: AsyncEngine) -> tuple[int, datetime | None]:
    """How many contracts are undecided, and since when the longest-waiting ELIGIBLE
    contract has awaited review (its ELIGIBLE transition); None when none awaits."""
    pending = sa.select(sa.func.count()).where(contracts.c.status.in_([s.value for s in UNDECIDED]))
    oldest = (
        sa.select(sa.func.min(contract_transitions.c.at))
        .join(contracts, contracts.c.contract_id == contract_transitions.c.contract_id)
        .where(
            contracts.c.status == ContractStatus.ELIGIBLE.value,
            contract_transitions.c.to_status == ContractStatus.ELIGIBLE.value,
        )
    )
    async with engine.connect() as conn:
        query = sa.select(pending.scalar_subquery(), oldest.scalar_subquery())
        row = (await conn.execute(query)).one()
    return int(row[0]), row[1]

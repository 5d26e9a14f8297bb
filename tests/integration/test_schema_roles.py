"""ARCHITECTURE "Delivery and state": one schema and one role per stateful service; a
role can touch only its schema. Checked on the real PostgreSQL with two services'
migrations."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from govmesh.contracts.app import migrate as migrate_contracts
from govmesh.contracts.settings import ContractsSettings
from govmesh.ingest.app import migrate as migrate_ingest
from govmesh.ingest.settings import IngestSettings
from govmesh.mesh.db import create_engine
from govmesh.schemas import Principal
from tests.infra import unique

pytestmark = pytest.mark.integration


async def test_each_service_role_owns_its_schema_and_cannot_touch_another(mesh) -> None:
    base = mesh(Principal.INGEST).model_dump()
    ingest = IngestSettings(**{**base, "principal": Principal.INGEST}, db_schema=unique("ingest_"))
    contracts = ContractsSettings(
        **{**base, "principal": Principal.CONTRACTS}, db_schema=unique("contracts_")
    )
    await asyncio.to_thread(migrate_ingest, ingest)
    await asyncio.to_thread(migrate_contracts, contracts)
    assert ingest.database_role() == ingest.db_schema
    url = ingest.require_database()

    as_ingest = create_engine(url, ingest.db_schema, role=ingest.database_role())
    try:
        async with as_ingest.connect() as conn:
            owners = (
                (
                    await conn.execute(
                        sa.text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = :s"),
                        {"s": ingest.db_schema},
                    )
                )
                .scalars()
                .all()
            )
            assert owners == [ingest.db_schema]
            assert (await conn.execute(sa.text("SELECT current_user"))).scalar() == ingest.db_schema
            assert (await conn.execute(sa.text("SELECT count(*) FROM outbox"))).scalar() == 0
        for statement in (
            f'SELECT count(*) FROM "{contracts.db_schema}".contracts',
            f'DELETE FROM "{contracts.db_schema}".outbox',
            f'CREATE TABLE "{contracts.db_schema}".intruder (id int)',
        ):
            async with as_ingest.connect() as conn:
                with pytest.raises(DBAPIError, match="permission denied"):
                    await conn.execute(sa.text(statement))
    finally:
        await as_ingest.dispose()

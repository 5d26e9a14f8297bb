"""Alembic env: runs a service's migrations inside its own schema on asyncpg."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection

from govmesh.mesh.db import async_url, create_engine

config = context.config
schema: str = config.attributes["schema"]
url: str = config.attributes["database_url"]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        version_table_schema=schema,
        include_schemas=True,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = create_engine(url, schema, pool_size=1)
    async with engine.connect() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.commit()
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


assert async_url(url)
asyncio.run(_main())

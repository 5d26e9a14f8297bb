"""Alembic env: runs a service's migrations inside its own schema on asyncpg."""

from __future__ import annotations

import asyncio
import re

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from govmesh.mesh.db import async_url, create_engine

config = context.config
schema: str = config.attributes["schema"]
url: str = config.attributes["database_url"]
role: str | None = config.attributes.get("role")
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


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
        if role is None:
            await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        else:
            await _own_schema(conn, role)
        await conn.commit()
        if role is not None:
            await conn.execute(sa.text(f'SET ROLE "{role}"'))
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


async def _own_schema(conn: AsyncConnection, role: str) -> None:
    """The service's role (created once, race-free) owns its schema; PUBLIC gets nothing."""
    if not IDENTIFIER.fullmatch(role) or not IDENTIFIER.fullmatch(schema):
        raise ValueError(f"not a plain identifier: {role!r} / {schema!r}")
    await conn.execute(
        sa.text(
            "DO $$ BEGIN "
            f'CREATE ROLE "{role}" NOLOGIN; '
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; "
            "END $$"
        )
    )
    await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}" AUTHORIZATION "{role}"'))
    await conn.execute(sa.text(f'ALTER SCHEMA "{schema}" OWNER TO "{role}"'))
    await conn.execute(sa.text(f'REVOKE ALL ON SCHEMA "{schema}" FROM PUBLIC'))


assert async_url(url)
asyncio.run(_main())

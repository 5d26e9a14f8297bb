"""FastAPI dependency aliases: the ingest context and the API key header."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Header, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.ingest.domain import RateLimiter
from govmesh.ingest.service_layer.group_commit import GroupCommit
from govmesh.ingest.service_layer.intake import Clock, Intake


@dataclass(frozen=True)
class HttpContext:
    """What the routes use, built by the composition root (`govmesh.ingest.app.build`)."""

    engine: AsyncEngine
    intake: Intake
    group_commit: GroupCommit
    limiter: RateLimiter
    api_keys: Mapping[str, str]
    clock: Clock
    on_commit: Callable[[], None]


async def _context(request: Request) -> HttpContext:
    # async: FastAPI runs a plain `def` dependency in a worker thread, on every request.
    return cast(HttpContext, request.app.state.ingest)


Context = Annotated[HttpContext, Depends(_context)]
ApiKey = Annotated[str | None, Header(alias="X-API-Key")]

"""FastAPI dependency aliases: the health context and the Authorization header."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Header, Request

from govmesh.health.service_layer.health import HealthService


@dataclass(frozen=True)
class HttpContext:
    """What the routes use, built by the composition root (`govmesh.health.app.build`)."""

    service: HealthService
    ops_tokens: Mapping[str, str]
    founder_tokens: Mapping[str, str]
    alertmanager_tokens: Mapping[str, str]
    max_body_bytes: int


async def _context(request: Request) -> HttpContext:
    # async: FastAPI runs a plain `def` dependency in a worker thread, on every request.
    return cast(HttpContext, request.app.state.health)


Context = Annotated[HttpContext, Depends(_context)]
Authorization = Annotated[str | None, Header(alias="Authorization")]

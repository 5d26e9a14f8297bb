"""The context the ingest routes find on the app (`app.state.ingest`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

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

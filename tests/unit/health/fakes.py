"""In-memory stand-ins for the service's ports: a movable clock and a recording publisher."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from govmesh.health.domain import AlertMapping
from govmesh.health.service_layer.health import HealthService
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import HealthSignal
from tests.unit.health.factories import NOW


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Published:
    """Records every publish; `fail` makes the next publishes raise like a broker outage."""

    def __init__(self) -> None:
        self.batches: list[list[HealthSignal]] = []
        self.fail = False

    async def __call__(self, signals: Sequence[HealthSignal]) -> None:
        if self.fail:
            raise RetryableError("broker unavailable")
        self.batches.append(list(signals))

    @property
    def last(self) -> dict[str, HealthSignal]:
        return {s.scope: s for s in self.batches[-1]} if self.batches else {}


def service(
    clock: Clock, published: Published, heartbeat_s: float = 5.0, *, restored: bool = True
) -> HealthService:
    """A service; `restored` (the default) as if it had read back an empty topic."""
    built = HealthService(
        mapping=AlertMapping(),
        heartbeat=timedelta(seconds=heartbeat_s),
        override_max=timedelta(days=7),
        clock=clock,
        publish=published,
    )
    if restored:
        built.restored.set()
    return built

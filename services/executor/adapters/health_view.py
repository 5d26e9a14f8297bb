"""The executor's read-only view of `health.signals` (JOB-002; health is read, never written).

Fed by a group-less consumer from the beginning of the compacted topic; `ready` is the
consumer's `caught_up` event, and no step runs before it is set (an empty view would
read as "health unknown" and fail every job).
"""

from __future__ import annotations

import asyncio

from govmesh.executor.domain.health_gate import EMPTY_HEALTH_VIEW, HealthView, apply_health
from govmesh.mesh.codec import Delivery
from govmesh.schemas import HealthSignal


class HealthViewHolder:
    """Holds the newest `HealthView`; `apply` is the consumer's batch handler."""

    def __init__(self) -> None:
        self.view: HealthView = EMPTY_HEALTH_VIEW
        self.ready = asyncio.Event()
        self.folded = 0

    async def apply(self, batch: list[Delivery]) -> None:
        view = self.view
        for delivery in batch:
            if isinstance(delivery.message, HealthSignal):
                view = apply_health(view, delivery.message)
                self.folded += 1
        self.view = view

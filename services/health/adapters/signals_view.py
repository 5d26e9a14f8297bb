"""The service's own `health.signals` read back at start: the state to restore.

A group-less consumer reads the compacted topic from the beginning; each scope's newest
signal is kept until the consumer has caught up, then handed to
`HealthService.restore`. Later records (the service's own new signals) are ignored.
"""

from __future__ import annotations

from govmesh.health.service_layer.health import HealthService
from govmesh.mesh.codec import Delivery
from govmesh.schemas import HealthSignal


class OwnSignals:
    """Batch handler of the group-less consumer of `health.signals`."""

    def __init__(self, service: HealthService) -> None:
        self._service = service
        self._newest: dict[str, HealthSignal] = {}

    async def apply(self, batch: list[Delivery]) -> None:
        if self._service.restored.is_set():
            return
        for delivery in batch:
            if isinstance(delivery.message, HealthSignal):
                # Records of a scope share a partition (key = scope): batch order is
                # topic order, so the last one seen is the newest.
                self._newest[delivery.message.scope] = delivery.message

    def newest(self) -> list[HealthSignal]:
        """The newest signal per scope read so far."""
        return list(self._newest.values())

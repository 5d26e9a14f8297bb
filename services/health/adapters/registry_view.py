"""Scopes from `registry.state`: every capability the registry has is published."""

from __future__ import annotations

import structlog
from aiokafka.errors import KafkaError

from govmesh.health.service_layer.health import HealthService
from govmesh.mesh.codec import Delivery
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import RegistryState

log = structlog.get_logger(__name__)


class RegistryScopes:
    """Batch handler of a group-less consumer of the compacted registry topic."""

    def __init__(self, service: HealthService) -> None:
        self._service = service

    async def apply(self, batch: list[Delivery]) -> None:
        names = [d.message.name for d in batch if isinstance(d.message, RegistryState)]
        if not names:
            return
        try:
            await self._service.observe_scopes(names)
        except (RetryableError, KafkaError) as exc:
            # The scopes are recorded; the next heartbeat publishes them. Raising here
            # would lose the batch: a group-less consumer does not re-read it.
            log.warning("health.publish_deferred", scopes=names, error=repr(exc))

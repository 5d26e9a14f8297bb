"""The heartbeat loop: every scope republished each `GOVMESH_HEALTH_HEARTBEAT_S`.

It starts once the registry view has caught up (so the first round names every known
capability), wakes early when an override expires so the change is published at once,
and survives broker outages: a failed round is logged and retried at the next wake.
"""

from __future__ import annotations

import asyncio

import structlog
from aiokafka.errors import KafkaError

from govmesh.health.service_layer.health import HealthService
from govmesh.mesh.errors import RetryableError

log = structlog.get_logger(__name__)

#: After a failed round, retry this soon rather than a whole heartbeat later.
RETRY_S = 0.5


async def run_heartbeat(service: HealthService, registry_loaded: asyncio.Event) -> None:
    """Run until cancelled (the app's lifespan owns the task)."""
    await registry_loaded.wait()
    loop = asyncio.get_running_loop()
    period = service.heartbeat.total_seconds()
    next_beat = loop.time()
    while True:
        try:
            if loop.time() >= next_beat:
                await service.beat()
                next_beat = loop.time() + period
            else:
                await service.publish_changes()
        except (RetryableError, KafkaError, OSError) as exc:
            log.warning("health.heartbeat_failed", error=repr(exc))
            next_beat = min(next_beat, loop.time() + RETRY_S)
        await asyncio.sleep(_until_next_wake(service, next_beat - loop.time()))


def _until_next_wake(service: HealthService, to_beat: float) -> float:
    expiry = service.next_expiry()
    if expiry is None:
        return max(to_beat, 0.0)
    # A hair past the expiry: an override stops winning at `expires_at`, not before.
    to_expiry = (expiry - service.clock()).total_seconds() + 0.001
    return max(min(to_beat, to_expiry), 0.0)

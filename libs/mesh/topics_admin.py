"""Creating the registry's topics on a broker."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from govmesh.schemas import TOPICS


async def ensure_topics(bootstrap: str, prefix: str = "") -> list[str]:
    """Create every registry topic that does not exist yet; return the broker names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                f"{prefix}{spec.name}",
                spec.partitions,
                1,
                topic_configs={"cleanup.policy": spec.cleanup},
            )
            for spec in TOPICS.values()
            if f"{prefix}{spec.name}" not in existing
        ]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
        return [f"{prefix}{name}" for name in TOPICS]
    finally:
        await admin.close()

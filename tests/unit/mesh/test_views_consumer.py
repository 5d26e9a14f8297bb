"""A service's in-memory views share one group-less consumer, each topic to its own fold."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from govmesh.mesh.codec import Delivery
from govmesh.mesh.kafka import BatchHandler, fold_by_topic
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import generate_keys
from govmesh.schemas import Envelope, Principal
from govmesh.schemas.common import Message

pytestmark = pytest.mark.unit

VIEWS = ["contracts.lifecycle", "health.signals", "governance.signals", "registry.state"]


def delivery(topic: str, offset: int) -> Delivery:
    return Delivery(
        topic=topic,
        partition=0,
        offset=offset,
        key=None,
        envelope=cast(Envelope, None),
        message=cast(Message, None),
    )


async def test_each_fold_gets_only_its_topics_deliveries_in_order() -> None:
    seen: dict[str, list[int]] = {}

    def fold(topic: str) -> BatchHandler:
        async def apply(batch: list[Delivery]) -> None:
            assert {d.topic for d in batch} == {topic}, "a fold was fed another topic"
            seen.setdefault(topic, []).append(len(batch))
            seen.setdefault(f"{topic} offsets", []).extend(d.offset for d in batch)

        return apply

    handler = fold_by_topic(
        {"health.signals": fold("health.signals"), "registry.state": fold("registry.state")}
    )
    await handler(
        [
            delivery("registry.state", 1),
            delivery("health.signals", 7),
            delivery("registry.state", 2),
            delivery("registry.state", 3),
        ]
    )
    assert seen == {
        "registry.state": [3],
        "registry.state offsets": [1, 2, 3],
        "health.signals": [1],
        "health.signals offsets": [7],
    }
    # A batch with nothing for a fold does not call it.
    await handler([delivery("health.signals", 8)])
    assert seen["registry.state"] == [3]
    assert seen["health.signals offsets"] == [7, 8]


def test_views_of_several_topics_are_one_consumer_of_them_all(tmp_path: Path) -> None:
    generate_keys(tmp_path)
    settings = MeshSettings(principal=Principal.AUDITOR, keys_dir=tmp_path)
    runtime = ServiceRuntime(settings, produces=[], consumes=["jobs.events", *VIEWS])

    async def ignore(_: list[Delivery]) -> None:
        return None

    consumer = runtime.views(dict.fromkeys(VIEWS, ignore))
    assert runtime.consumers == [consumer]
    assert consumer.topics == tuple(VIEWS)
    assert not consumer.caught_up.is_set()

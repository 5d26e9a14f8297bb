"""Session-wide real infrastructure, shared so consumer groups start once per need."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import generate_keys
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import Principal
from tests.infra import Broker, broker, database, unique


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("govmesh")


@pytest.fixture(scope="session")
def kafka(work_dir: Path) -> Iterator[Broker]:
    with broker(work_dir / "broker") as b:
        yield b


@pytest.fixture(scope="session")
def database_url(work_dir: Path) -> Iterator[str]:
    with database(work_dir / "db") as url:
        yield url


@pytest.fixture(scope="session")
def keys_dir(work_dir: Path) -> Path:
    directory = work_dir / "keys"
    generate_keys(directory)
    return directory


MeshFactory = Callable[..., MeshSettings]


@pytest.fixture
async def mesh(kafka: Broker, keys_dir: Path, database_url: str) -> MeshFactory:
    """Settings factory for one test: its own topic prefix, its topics created."""
    prefix = unique() + "."
    await ensure_topics(kafka.bootstrap, prefix)

    def make(principal: Principal, **overrides: object) -> MeshSettings:
        values: dict[str, object] = {
            "principal": principal,
            "kafka_bootstrap": kafka.bootstrap,
            "database_url": database_url,
            "keys_dir": keys_dir,
            "topic_prefix": prefix,
            "dev_mode": True,
        }
        values.update(overrides)
        return MeshSettings.model_validate(values)

    return make

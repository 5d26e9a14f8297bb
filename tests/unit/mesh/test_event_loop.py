"""Every service process runs on uvloop and parses HTTP with httptools (decision D-008),
with the garbage collector tuned (decision D-009)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvloop
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from govmesh.mesh.runtime import GC_YOUNG_THRESHOLD, ServiceRuntime, run
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import generate_keys
from govmesh.schemas import Principal

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """`run` tunes the collector of the process it runs in: this one's is put back."""
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_a_service_main_runs_on_a_uvloop_event_loop() -> None:
    seen: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        seen.append(asyncio.get_running_loop())

    run(main())

    assert len(seen) == 1
    assert isinstance(seen[0], uvloop.Loop)


def test_a_service_main_runs_with_what_was_loaded_frozen_and_a_higher_young_threshold() -> None:
    seen: list[tuple[int, tuple[int, int, int]]] = []

    async def main() -> None:
        seen.append((gc.get_freeze_count(), gc.get_threshold()))

    default = gc.get_threshold()
    run(main())

    [(frozen, threshold)] = seen
    assert frozen > 10_000, "the modules loaded before serving should be frozen"
    assert threshold == (GC_YOUNG_THRESHOLD, default[1], default[2])


def test_the_service_http_server_parses_with_httptools(tmp_path: Path) -> None:
    generate_keys(tmp_path)
    settings = MeshSettings(principal=Principal.VALIDATOR, keys_dir=tmp_path, http_port=18099)
    runtime = ServiceRuntime(settings, produces=["proposals.validated"])

    config = runtime.http_config(FastAPI())
    config.load()

    assert config.http_protocol_class is HttpToolsProtocol
    assert (config.host, config.port) == (settings.http_host, 18099)

"""Every service process runs on uvloop and parses HTTP with httptools (decision D-008)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import uvloop
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from govmesh.mesh.runtime import ServiceRuntime, run
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import generate_keys
from govmesh.schemas import Principal

pytestmark = pytest.mark.unit


def test_a_service_main_runs_on_a_uvloop_event_loop() -> None:
    seen: list[asyncio.AbstractEventLoop] = []

    async def main() -> None:
        seen.append(asyncio.get_running_loop())

    run(main())

    assert len(seen) == 1
    assert isinstance(seen[0], uvloop.Loop)


def test_the_service_http_server_parses_with_httptools(tmp_path: Path) -> None:
    generate_keys(tmp_path)
    settings = MeshSettings(principal=Principal.VALIDATOR, keys_dir=tmp_path, http_port=18099)
    runtime = ServiceRuntime(settings, produces=["proposals.validated"])

    config = runtime.http_config(FastAPI())
    config.load()

    assert config.http_protocol_class is HttpToolsProtocol
    assert (config.host, config.port) == (settings.http_host, 18099)

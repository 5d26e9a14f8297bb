"""`python -m govmesh.eligibility` as `govmesh up` starts it: GOVMESH_* env, /readyz, verdicts."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from govmesh.mesh.topics_admin import ensure_topics
from tests.infra import Broker, unique
from tests.integration.test_eligibility_service import (
    Inputs,
    health,
    proposal,
    registry,
    settings_for,
)

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def env_for(kafka: Broker, keys_dir: Path, prefix: str, port: int) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("GOVMESH_")}
    return {
        **inherited,
        "GOVMESH_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "GOVMESH_KEYS_DIR": str(keys_dir),
        "GOVMESH_TOPIC_PREFIX": prefix,
        "GOVMESH_HTTP_PORT": str(port),
        "GOVMESH_DEV_MODE": "true",
    }


async def test_ELIG001_module_serves_ready_and_assesses_and_migrate_is_a_no_op(
    kafka: Broker, keys_dir: Path, tmp_path: Path
) -> None:
    prefix = unique("elig") + "."
    await ensure_topics(kafka.bootstrap, prefix)
    inputs = Inputs(settings_for(kafka, keys_dir, prefix), keys_dir)
    await inputs.health(health())
    await inputs.registry(registry("LOGS_LIST"))
    subject = proposal("LOGS_LIST")
    await inputs.proposals(subject)

    port = free_port()
    env = env_for(kafka, keys_dir, prefix, port)
    migrate = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "govmesh.eligibility", "migrate"],
        env=env,
        capture_output=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr.decode()

    log = (tmp_path / "eligibility.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "govmesh.eligibility"], env=env, stdout=log, stderr=log
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            deadline = asyncio.get_running_loop().time() + 45
            status = 0
            while status != 200:
                assert process.poll() is None, (tmp_path / "eligibility.log").read_text()
                assert asyncio.get_running_loop().time() < deadline, "never ready"
                try:
                    status = (await client.get("/readyz", timeout=1.0)).status_code
                except httpx.HTTPError:
                    status = 0
                await asyncio.sleep(0.2)
            metrics = (await client.get("/metrics")).text
        verdict = await inputs.verdict(subject.issue_id)
        assert verdict.eligibility["decision"] == "MAY"
        assert verdict.envelope["producer"] == "eligibility"
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 30)
        log.close()
    assert code == 0, (tmp_path / "eligibility.log").read_text()
    assert "govmesh_eligibility_decision_seconds" in metrics

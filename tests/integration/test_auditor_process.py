"""`python -m govmesh.auditor` as `govmesh up` starts it: GOVMESH_* env, /readyz, clean stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from govmesh.mesh.topics_admin import ensure_topics
from tests.infra import Broker, unique

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_module_serves_readyz_from_env_and_stops_on_sigterm(
    kafka: Broker, keys_dir: Path
) -> None:
    prefix = unique("auditorproc") + "."
    await ensure_topics(kafka.bootstrap, prefix)
    port = _free_port()
    env = {
        **os.environ,
        "GOVMESH_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "GOVMESH_KEYS_DIR": str(keys_dir),
        "GOVMESH_TOPIC_PREFIX": prefix,
        "GOVMESH_HTTP_PORT": str(port),
        "GOVMESH_AUDIT_BUDGET_S": "60",
        "GOVMESH_AUDIT_RETRY_DELAY_S": "5",
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "govmesh.auditor", "migrate"], env=env, timeout=60, check=False
    )
    assert migrate.returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "govmesh.auditor"], env=env)
    try:
        deadline = time.monotonic() + 45
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            while True:
                assert proc.poll() is None, "the auditor exited early"
                try:
                    answer = await client.get("/readyz")
                    if answer.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the auditor never became ready"
                await asyncio.sleep(0.1)
            assert answer.json()["ready"] is True
            metrics = await client.get("/metrics")
            assert "govmesh_auditor_verdicts_total" in metrics.text
        proc.send_signal(signal.SIGTERM)
        # The runtime stops its consumers and producer, then exits 0 (not -SIGTERM).
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

"""`govmesh up` on a fresh data directory: the front door of the README."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest

from govmesh.cli.up import EMBEDDED_WORK_FETCH_WAIT_MS

pytestmark = pytest.mark.e2e

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "CrmEvent.json"


def _wait_for(path: Path, proc: subprocess.Popen[bytes], timeout_s: float) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"govmesh up exited early with {proc.returncode}")
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.2)
    raise AssertionError("endpoints.json was not written in time")


def test_up_starts_every_service_writes_endpoints_and_stops_cleanly_on_sigint(
    tmp_path: Path,
) -> None:
    # The console script `pip install -e .` put beside this interpreter.
    govmesh = Path(sys.executable).parent / "govmesh"
    assert govmesh.exists(), "the govmesh command is installed by `pip install -e .`"
    data_dir = tmp_path / "state"
    log = (tmp_path / "up.log").open("wb")
    proc = subprocess.Popen(
        [govmesh, "up", "--data-dir", str(data_dir)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        endpoints = _wait_for(data_dir / "endpoints.json", proc, timeout_s=150)
        for key in (
            "kafka_bootstrap",
            "database_url",
            "ingest_url",
            "contracts_url",
            "console_url",
            "executor_url",
            "health_url",
            "crm_api_key",
            "founder_token",
            "founder2_token",
            "ops_token",
        ):
            assert key in endpoints
        ingest = str(endpoints["ingest_url"])
        assert httpx.get(f"{ingest}/readyz", timeout=5).json()["ready"] is True

        event = json.loads(GOLDEN.read_text())
        event["envelope"]["event_id"] = str(uuid.uuid4())
        event["envelope"]["source_timestamp"] = datetime.now(UTC).isoformat()
        answer = httpx.post(
            f"{ingest}/api/v1/governance/events",
            json=event,
            headers={"X-API-Key": str(endpoints["crm_api_key"])},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["is_duplicate"] is False

        # On the embedded broker every service gets the short work fetch wait (D-007).
        services = {
            " ".join(child.cmdline()): child.environ()
            for child in psutil.Process(proc.pid).children(recursive=True)
            if "govmesh." in " ".join(child.cmdline())
        }
        assert len(services) >= 8, sorted(services)
        assert {
            cmd: env.get("GOVMESH_WORK_FETCH_MAX_WAIT_MS") for cmd, env in services.items()
        } == dict.fromkeys(services, str(EMBEDDED_WORK_FETCH_WAIT_MS))
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        log.close()
    assert code == 0, (tmp_path / "up.log").read_text()[-3000:]
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{ingest}/readyz", timeout=2)

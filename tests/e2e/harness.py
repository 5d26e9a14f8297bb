"""The whole mesh as `govmesh up` starts it, driven through its outside interfaces only.

`UpMesh` runs the `govmesh` command in a fresh data directory and talks to the services
over HTTP (ingest, console, contracts, executor, health) exactly as a CRM, a founder and
an operator would; `govmesh verify` is run as a command too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "CrmEvent.json"
GOVMESH = Path(sys.executable).parent / "govmesh"


def wait_for(what: str, probe: Callable[[], Any], timeout_s: float = 60.0) -> Any:
    """Poll `probe` until it returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what} (last: {last!r})")


@dataclass
class UpMesh:
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    endpoints: dict[str, Any] = field(default_factory=dict)

    def start(self, timeout_s: float = 180.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir.parent / "up.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [str(GOVMESH), "up", "--data-dir", str(self.data_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
            )
        path = self.data_dir / "endpoints.json"

        def written() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"govmesh up exited with {self.proc.returncode}")
            return path.exists()

        wait_for("endpoints.json", written, timeout_s)
        self.endpoints = json.loads(path.read_text())

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def log(self, service: str) -> str:
        return (self.data_dir / "logs" / f"{service}.log").read_text(errors="replace")[-4000:]

    # -- processes ---------------------------------------------------------------------

    def service_pid(self, service: str) -> int:
        """The pid of the `python -m govmesh.<service>` child of `govmesh up`."""
        assert self.proc is not None
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.proc.pid and f"govmesh.{service}".encode() in cmdline:
                return int(entry.name)
        raise AssertionError(f"no {service} process under govmesh up")

    def pause(self, service: str) -> None:
        os.kill(self.service_pid(service), signal.SIGSTOP)

    def resume(self, service: str) -> None:
        os.kill(self.service_pid(service), signal.SIGCONT)

    # -- the CRM -------------------------------------------------------------------------

    def submit(
        self, subject: str, body: str, *, structured: dict[str, Any] | None = None
    ) -> uuid.UUID:
        """POST a CRM event to ingest; the issue id it was accepted as."""
        event = json.loads(GOLDEN.read_text())
        event["envelope"]["event_id"] = str(uuid.uuid4())
        event["envelope"]["idempotency_key"] = f"e2e-{uuid.uuid4()}"
        event["envelope"]["source_timestamp"] = datetime.now(UTC).isoformat()
        event["attribution"]["source_reference"] = f"E2E-{uuid.uuid4().hex[:10]}"
        event["payload"]["subject"] = subject
        event["payload"]["body"] = body
        event["payload"].pop("structured_data", None)
        if structured is not None:
            event["payload"]["structured_data"] = structured
        answer = httpx.post(
            f"{self.endpoints['ingest_url']}/api/v1/governance/events",
            json=event,
            headers={"X-API-Key": self.endpoints["crm_api_key"]},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        return uuid.UUID(answer.json()["issue_id"])

    def requester_status(self, issue_id: uuid.UUID) -> dict[str, Any]:
        answer = httpx.get(
            f"{self.endpoints['ingest_url']}/api/v1/issues/{issue_id}/status",
            headers={"X-API-Key": self.endpoints["crm_api_key"]},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    # -- contracts (read) ------------------------------------------------------------------

    def contracts_of(self, issue_id: uuid.UUID) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.endpoints['contracts_url']}/api/v1/contracts", timeout=10)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = body["contracts"]
        return [c for c in items if c["issue_id"] == str(issue_id)]

    def contract(self, contract_id: uuid.UUID | str) -> dict[str, Any]:
        answer = httpx.get(
            f"{self.endpoints['contracts_url']}/api/v1/contracts/{contract_id}", timeout=10
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    def contracts_get(self, path: str) -> Any:
        answer = httpx.get(f"{self.endpoints['contracts_url']}{path}", timeout=10)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def wait_contract_of(
        self, issue_id: uuid.UUID, status: str, timeout_s: float = 60
    ) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            found = [c for c in self.contracts_of(issue_id) if c["status"] == status]
            return found[0] if found else None

        result: dict[str, Any] = wait_for(
            f"a {status} contract of issue {issue_id}", probe, timeout_s
        )
        return result

    def wait_status(
        self, contract_id: uuid.UUID | str, statuses: set[str], timeout_s: float = 60
    ) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            contract = self.contract(contract_id)
            return contract if contract["status"] in statuses else None

        result: dict[str, Any] = wait_for(
            f"contract {contract_id} in {sorted(statuses)}", probe, timeout_s
        )
        return result

    # -- founders (console API) ------------------------------------------------------------

    def founder(
        self, path: str, body: dict[str, Any], *, token_key: str = "founder_token"
    ) -> httpx.Response:
        return httpx.post(
            f"{self.endpoints['console_url']}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.endpoints[token_key]}"},
            timeout=15,
        )

    # -- operators ---------------------------------------------------------------------------

    def executor_get(self, path: str) -> Any:
        answer = httpx.get(f"{self.endpoints['executor_url']}{path}", timeout=10)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"
        return answer.json()

    def verify(self, contract_id: uuid.UUID | str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(GOVMESH), "verify", str(contract_id), "--data-dir", str(self.data_dir), *extra],
            capture_output=True,
            text=True,
            timeout=120,
            env={k: v for k, v in os.environ.items() if not k.startswith("GOVMESH_")},
        )

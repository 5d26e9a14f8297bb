"""Approved contract -> audited COMPLETED, across the whole mesh as `govmesh up` runs it.

  throughput  N contracts (3-step jobs: enable, configure, record) approved at once through
              the console API; contracts/s from the first approval sent to the last
              COMPLETED transition seen on contracts.lifecycle
  latency     M contracts approved one at a time on an idle mesh; approval sent ->
              COMPLETED seen on contracts.lifecycle, p50 / p99

Printed beside the raw broker (produce + consume back, records/s) and raw database
(insert + update transactions on 10 connections, commits/s) of the same machine and run,
and the CPU budget: each process's CPU while the mesh idles (`--idle` seconds: polling
fetches, heartbeats, timers) and the CPU one contract's work cost it in the throughput run
(its CPU there less its idle rate over the run), and what a given rate needs from the
machine at those costs: cores = idle + rate x work.
Each contract's path: console -> founder.decisions -> contracts (APPROVED, ACTIVE,
jobs.requested) -> executor (intake; start, steps 1-3 and finish: 2 transactions) ->
jobs.events -> auditor -> audits.verdicts -> contracts (COMPLETED): 5 hops, 4 services
with their own processes, every message signed and verified.

Usage: python bench/governed_path.py [--contracts 200] [--unloaded 30] [--idle 20]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import yaml
from aiokafka import AIOKafkaConsumer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from executor_jobs import TRANSACTIONS_PER_JOB, raw_broker, raw_db

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((ROOT / "tests" / "data" / "golden" / "CrmEvent.json").read_text())
GOVMESH = Path(sys.executable).parent / "govmesh"
TARGET_PER_S = 30


def _role(process: psutil.Process) -> str | None:
    command: list[str] = process.cmdline()
    if "-m" in command[:-1]:
        module = command[command.index("-m") + 1]
        if module.startswith("govmesh."):
            return module.removeprefix("govmesh.")
    if command and "tansu" in Path(command[0]).name:
        return "broker"
    return None


class CpuMeter:
    """CPU seconds (user + system) of every process of the mesh `up` started, by role.

    Roles: each service, the broker, and "postgres" (the server the data directory holds,
    with all its backends, which come and go with connections).
    """

    def __init__(self, up_pid: int, data_dir: Path):
        self.up_pid = up_pid
        self.data_dir = str(data_dir)

    def _processes(self) -> list[tuple[str, psutil.Process]]:
        found = []
        for child in psutil.Process(self.up_pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                role = _role(child)
                if role is not None:
                    found.append((role, child))
        for process in psutil.process_iter(["name", "cmdline"]):
            command = process.info["cmdline"] or []
            if process.info["name"] == "postgres" and any(self.data_dir in c for c in command):
                found.append(("postgres", process))
                found.extend(("postgres", c) for c in process.children(recursive=True))
        return found

    def read(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for role, process in self._processes():
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                totals[role] = totals.get(role, 0.0) + times.user + times.system
        return totals


def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {role: after[role] - before.get(role, 0.0) for role in after}


def _capabilities(n: int) -> list[str]:
    return [f"BENCH_CAP_{i:04d}" for i in range(n)]


def _registry(names: list[str]) -> dict[str, Any]:
    return {
        "capabilities": [
            {
                "name": name,
                "enabled": False,
                "lifecycle": "PREVIEW",
                "frozen": False,
                "qualifier": None,
                "config": {"tier": 1},
            }
            for name in names
        ],
        "system": {"config": {"maintenance_mode": False}},
    }


def _event(capability: str) -> dict[str, Any]:
    event = json.loads(json.dumps(GOLDEN))
    event["envelope"]["event_id"] = str(uuid.uuid4())
    event["envelope"]["idempotency_key"] = f"bench-{uuid.uuid4()}"
    event["envelope"]["source_timestamp"] = datetime.now(UTC).isoformat()
    event["attribution"]["source_reference"] = f"BENCH-{uuid.uuid4().hex[:10]}"
    event["payload"]["subject"] = f"Enable {capability}"
    event["payload"]["body"] = f"Please enable {capability} and raise its tier to 2."
    event["payload"]["structured_data"] = {
        "proposed_changes": [
            {
                "type": "capability_enable",
                "capability_name": capability,
                "target_lifecycle": "PREVIEW",
            },
            {
                "type": "configuration_update",
                "scope": capability,
                "key": "tier",
                "old_value": 1,
                "new_value": 2,
            },
        ]
    }
    return event


class Lifecycle:
    """Times at which each contract reached each status, read from contracts.lifecycle."""

    def __init__(self, bootstrap: str):
        self.bootstrap = bootstrap
        self.seen: dict[tuple[str, str], float] = {}
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            "contracts.lifecycle",
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="latest",
            fetch_max_wait_ms=20,
        )
        await consumer.start()
        await consumer.getmany(timeout_ms=500)  # position at the end before anything starts

        async def run() -> None:
            try:
                while True:
                    batch = await consumer.getmany(timeout_ms=100)
                    now = time.monotonic()
                    for records in batch.values():
                        for record in records:
                            data = json.loads(record.value)["data"]
                            key = (data["contract"]["contract_id"], data["transition"]["to_status"])
                            self.seen.setdefault(key, now)
            finally:
                await consumer.stop()

        self.task = asyncio.create_task(run())

    async def wait(self, contract_ids: list[str], status: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while any((cid, status) not in self.seen for cid in contract_ids):
            if time.monotonic() > deadline:
                missing = sum((cid, status) not in self.seen for cid in contract_ids)
                raise TimeoutError(f"{missing} contracts never reached {status}")
            await asyncio.sleep(0.01)


async def _eligible(client: httpx.AsyncClient, ep: dict[str, Any], names: list[str]) -> list[str]:
    semaphore = asyncio.Semaphore(8)

    async def submit(name: str) -> str:
        async with semaphore:
            event = _event(name)
            while True:
                answer = await client.post(
                    f"{ep['ingest_url']}/api/v1/governance/events",
                    json=event,
                    headers={"X-API-Key": ep["crm_api_key"]},
                )
                if answer.status_code != 429:  # the per-key rate limit: wait as told
                    break
                await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
            answer.raise_for_status()
            issue_id: str = answer.json()["issue_id"]
            return issue_id

    issues = set(await asyncio.gather(*(submit(n) for n in names)))
    deadline = time.monotonic() + 300
    while True:
        listing = await client.get(
            f"{ep['contracts_url']}/api/v1/contracts?status=ELIGIBLE&limit=1000"
        )
        ready = [c["contract_id"] for c in listing.json()["contracts"] if c["issue_id"] in issues]
        if len(ready) == len(issues):
            return ready
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {len(ready)} of {len(issues)} contracts became ELIGIBLE")
        await asyncio.sleep(0.5)


async def _approve(client: httpx.AsyncClient, ep: dict[str, Any], cid: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        answer = await client.post(
            f"{ep['console_url']}/api/v1/contracts/{cid}/approve",
            json={},
            headers={"Authorization": f"Bearer {ep['founder_token']}"},
        )
        # The contracts API can list a contract before the console's view of
        # contracts.lifecycle has it; a founder would see it a moment later.
        if answer.status_code != 404 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    if answer.status_code != 202:
        raise RuntimeError(f"approve {cid}: {answer.status_code} {answer.text}")


async def measure(
    ep: dict[str, Any], n: int, unloaded: int, meter: CpuMeter, idle_s: float
) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=60) as client:
        lifecycle = Lifecycle(ep["kafka_bootstrap"])
        await lifecycle.start()
        names = _capabilities(n + unloaded)

        quiet = await _eligible(client, ep, names[n:])
        latencies = []
        for cid in quiet:
            sent = time.monotonic()
            await _approve(client, ep, cid)
            await lifecycle.wait([cid], "COMPLETED", timeout_s=60)
            latencies.append(lifecycle.seen[(cid, "COMPLETED")] - sent)

        loaded = await _eligible(client, ep, names[:n])
        await asyncio.sleep(3)  # let the last submissions' work settle before measuring idle
        before, idle_started = meter.read(), time.monotonic()
        await asyncio.sleep(idle_s)
        idle = _spent(before, meter.read())
        idle_elapsed = time.monotonic() - idle_started
        semaphore = asyncio.Semaphore(20)

        async def approve(cid: str) -> None:
            async with semaphore:
                await _approve(client, ep, cid)

        before, started = meter.read(), time.monotonic()
        await asyncio.gather(*(approve(cid) for cid in loaded))
        approved_in = time.monotonic() - started
        await lifecycle.wait(loaded, "COMPLETED", timeout_s=600)
        elapsed = max(lifecycle.seen[(cid, "COMPLETED")] for cid in loaded) - started
        # Read at once: the processes went on idling only since the last COMPLETED.
        busy, busy_elapsed = _spent(before, meter.read()), time.monotonic() - started
        assert lifecycle.task is not None
        lifecycle.task.cancel()
    latencies.sort()
    return {
        "throughput": n / elapsed,
        "elapsed": elapsed,
        "approved_in": approved_in,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, round(0.99 * (len(latencies) - 1)))] * 1000,
        "budget": {
            role: (
                idle.get(role, 0.0) / idle_elapsed,
                (spent - idle.get(role, 0.0) / idle_elapsed * busy_elapsed) / n * 1000,
            )
            for role, spent in busy.items()
        },
    }


def print_budget(budget: dict[str, tuple[float, float]], rate: float) -> None:
    """Per process: idle cores and ms of CPU per contract; what `rate` and the target need."""
    print("CPU budget            idle cores   work ms/contract")
    for role, (idle, work) in sorted(budget.items(), key=lambda item: -item[1][1]):
        print(f"  {role:19s} {idle:10.3f}   {work:16.1f}")
    idle_total = sum(idle for idle, _ in budget.values())
    work_total = sum(work for _, work in budget.values())
    print(f"  {'all':19s} {idle_total:10.3f}   {work_total:16.1f}")
    for label, per_s in (("the measured", rate), ("the target", float(TARGET_PER_S))):
        cores = idle_total + per_s * work_total / 1000
        print(
            f"  at {label} {per_s:.1f}/s the mesh needs {cores:.2f} cores "
            f"(idle {idle_total:.2f} + work {per_s * work_total / 1000:.2f}); "
            f"this machine has {psutil.cpu_count()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--unloaded", type=int, default=30)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU reading")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govmesh-bench-") as tmp:
        data_dir = Path(tmp) / "state"
        log = (Path(tmp) / "up.log").open("wb")
        env = {**os.environ, "GOVMESH_LOG_LEVEL": "WARNING"}
        up = subprocess.Popen(
            [str(GOVMESH), "up", "--data-dir", str(data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            deadline = time.monotonic() + 240
            while not (data_dir / "endpoints.json").exists():
                if up.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit((Path(tmp) / "up.log").read_text()[-3000:])
                time.sleep(0.5)
            ep = json.loads((data_dir / "endpoints.json").read_text())
            registry = Path(tmp) / "bench_registry.yaml"
            registry.write_text(
                yaml.safe_dump(_registry(_capabilities(args.contracts + args.unloaded)))
            )
            subprocess.run(
                [str(GOVMESH), "registry", "import", str(registry), "--data-dir", str(data_dir)],
                check=True,
                stdout=subprocess.DEVNULL,
                env=env,
            )
            time.sleep(2)  # let the validator and eligibility views see the new capabilities
            meter = CpuMeter(up.pid, data_dir)
            result = asyncio.run(measure(ep, args.contracts, args.unloaded, meter, args.idle))
            broker = asyncio.run(
                raw_broker(ep["kafka_bootstrap"], f"bench.raw.{uuid.uuid4().hex[:6]}", 20_000)
            )
            database = asyncio.run(raw_db(ep["database_url"], 2_000))
        finally:
            up.send_signal(signal.SIGINT)
            up.wait(timeout=60)
    print(f"raw broker            {broker:10,.0f} records/s (produce + consume back)")
    print(f"raw database          {database:10,.0f} commits/s (insert + update, 10 connections)")
    print(
        f"governed path         {result['throughput']:10.1f} contracts/s "
        f"({args.contracts} approved at once, 3-step jobs, approve -> audited COMPLETED; "
        f"{result['elapsed']:.1f} s, approvals sent in {result['approved_in']:.1f} s)   target >= {TARGET_PER_S}"
    )
    print(
        f"unloaded latency      p50 {result['p50']:6.0f} ms   p99 {result['p99']:6.0f} ms "
        f"({args.unloaded} contracts one at a time)   target p50 <= 150 ms"
    )
    print(
        f"ratios                {result['throughput'] * TRANSACTIONS_PER_JOB / database:.2f} "
        f"of raw DB commits ({TRANSACTIONS_PER_JOB} executor transactions per contract), "
        f"{result['throughput'] * 12 / broker:.4f} of raw broker records (~12 messages per contract)"
    )
    print_budget(result["budget"], result["throughput"])


if __name__ == "__main__":
    main()

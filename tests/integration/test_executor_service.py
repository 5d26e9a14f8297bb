"""The executor on the real broker and PostgreSQL (SPEC §7, §10, §11; JOB-001…006).

One executor runs in process for the module (its own topic prefix and schema, the demo
registry imported, every scope HEALTHY); jobs are published on `jobs.requested` as the
contracts principal and health as the health principal. Webhook steps call a receiver
served in the test's event loop, which applies each Idempotency-Key once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from govmesh.executor.app import ExecutorRuntime, build, import_registry, migrate
from govmesh.executor.domain.idempotency import AttemptKind, step_idempotency_key
from govmesh.executor.domain.ids import rollback_job_id
from govmesh.executor.settings import ExecutorSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import create_engine
from govmesh.mesh.embedded import free_port
from govmesh.mesh.signing import Signer
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import (
    HealthSignal,
    HealthStatus,
    JobCancelRequested,
    JobRequested,
    PlannedStep,
    Principal,
    StepType,
)
from tests.infra import unique
from tests.integration.helpers import drain, produce_raw, values, wait_until

pytestmark = pytest.mark.integration

REGISTRY_FILE = Path(__file__).resolve().parents[1] / "data" / "demo_registry.yaml"
SCOPES = [
    "SYSTEM",
    *(c["name"] for c in yaml.safe_load(REGISTRY_FILE.read_text())["capabilities"]),
]


# --- a webhook receiver that applies each Idempotency-Key once ---------------------------


@dataclass
class Receiver:
    url: str = ""
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    applied: Counter[str] = field(default_factory=Counter)
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    arrived: dict[str, asyncio.Event] = field(default_factory=dict)

    def gate(self, name: str) -> asyncio.Event:
        self.arrived.setdefault(name, asyncio.Event())
        return self.gates.setdefault(name, asyncio.Event())

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> JSONResponse:
            key = request.headers["Idempotency-Key"]
            body = await request.json()
            self.requests.append((key, body))
            if key in self.responses:
                return JSONResponse(self.responses[key])
            payload = body.get("payload") or {}
            if payload.get("fail"):
                return JSONResponse({"error": "refused by the receiver"}, status_code=422)
            self.applied[key] += 1
            self.responses[key] = {"applied": key, "action": body["action"]}
            hold = payload.get("hold")
            if hold:
                self.gate(hold)
                self.arrived[hold].set()
                await self.gates[hold].wait()
            return JSONResponse(self.responses[key])

        return app

    def keys_for(self, action: str) -> list[str]:
        return [key for key, body in self.requests if body["action"] == action]


@dataclass
class Served:
    receiver: Receiver
    server: uvicorn.Server
    task: asyncio.Task[None]

    async def stop(self) -> None:
        for gate in self.receiver.gates.values():
            gate.set()
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 10)


async def serve_receiver() -> Served:
    receiver = Receiver()
    port = free_port()
    receiver.url = f"http://127.0.0.1:{port}/hook"
    server = uvicorn.Server(
        uvicorn.Config(receiver.app(), host="127.0.0.1", port=port, log_level="warning")
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    await wait_until(lambda: server.started, timeout_s=10)
    return Served(receiver, server, task)


# --- publishing as the contracts and health principals -------------------------------------


@dataclass
class Env:
    settings: ExecutorSettings
    keys_dir: Path

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap

    def topic(self, name: str) -> str:
        return self.settings.kafka_topic(name)


async def new_env(kafka: Any, keys_dir: Path, database_url: str, **overrides: Any) -> Env:
    """A topic prefix and an executor schema of their own, migrated, registry imported."""
    prefix = unique() + "."
    kafka.enable_schemas(prefix)
    await ensure_topics(kafka.bootstrap, prefix)
    values_: dict[str, Any] = {
        "kafka_bootstrap": kafka.bootstrap,
        "database_url": database_url,
        "keys_dir": keys_dir,
        "topic_prefix": prefix,
        "dev_mode": True,
        "db_schema": unique("executor_"),
        "lease_s": 3.0,
        "sweep_interval_s": 0.3,
        "webhook_timeout_s": 10.0,
        **overrides,
    }
    settings = ExecutorSettings.model_validate(values_)
    await asyncio.to_thread(migrate, settings)
    await import_registry(settings, yaml.safe_load(REGISTRY_FILE.read_text()))
    env = Env(settings, keys_dir)
    await publish_health(env, {scope: HealthStatus.HEALTHY for scope in SCOPES})
    return env


async def publish_health(env: Env, statuses: dict[str, HealthStatus]) -> None:
    signer = Signer.load(env.keys_dir, Principal.HEALTH)
    now = datetime.now(UTC)
    items = []
    for scope, status in statuses.items():
        signal = HealthSignal(
            scope=scope,
            status=status,
            source="baseline" if status is HealthStatus.HEALTHY else "override:test",
            reason="integration test",
            observed_at=now,
            valid_until=now + timedelta(minutes=30),
        )
        items.append((scope.encode(), make_envelope(signal, signer).to_bytes()))
    await produce_raw(env.bootstrap, env.topic("health.signals"), items)


async def publish(env: Env, *messages: JobRequested | JobCancelRequested) -> None:
    signer = Signer.load(env.keys_dir, Principal.CONTRACTS)
    await produce_raw(
        env.bootstrap,
        env.topic("jobs.requested"),
        [(str(m.contract_id).encode(), make_envelope(m, signer).to_bytes()) for m in messages],
    )


def step(number: int, type_: StepType, target: str, adapter: str = "registry", **params: Any):
    return PlannedStep(number=number, type=type_, target=target, parameters=params, adapter=adapter)


def job(
    steps: list[PlannedStep], scope: list[str], *, max_duration_ms: int = 60_000
) -> JobRequested:
    now = datetime.now(UTC)
    return JobRequested(
        job_id=uuid4(),
        contract_id=uuid4(),
        steps=steps,
        scope=scope,
        max_duration_ms=max_duration_ms,
        activation_window_start=now - timedelta(minutes=5),
        activation_window_end=now + timedelta(hours=1),
        requested_at=now,
    )


def cancel(request: JobRequested) -> JobCancelRequested:
    return JobCancelRequested(
        job_id=request.job_id,
        contract_id=request.contract_id,
        requested_by="founder",
        reason="changed my mind",
        requested_at=datetime.now(UTC),
    )


async def job_events(
    env: Env, job_id: UUID, *, until_status: set[str] | None = None
) -> list[dict[str, Any]]:
    """The data of every jobs.events message of `job_id`, once a FINISHED/CANCELLED is there."""
    wanted = until_status

    def mine(records: list[Any]) -> list[dict[str, Any]]:
        # At least once: an outbox row published just before a crash is published again
        # by the next relay. Consumers drop the repeat by event id (inbox); so does this.
        seen: set[str] = set()
        events = []
        for v in values(records):
            if v["data"]["job_id"] == str(job_id) and v["event_id"] not in seen:
                seen.add(v["event_id"])
                events.append(v["data"])
        return events

    def done(records: list[Any]) -> bool:
        return any(
            e["event"] in ("FINISHED", "CANCELLED") and (wanted is None or e["status"] in wanted)
            for e in mine(records)
        )

    records = await drain(env.bootstrap, env.topic("jobs.events"), until=done, timeout_s=45)
    events = mine(records)
    assert done(records), (
        f"job {job_id} did not finish: {[(e['event'], e['status']) for e in events]}"
    )
    return events


def step_trail(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(e["step"]["number"], e["step"]["status"]) for e in events if e["event"] == "STEP"]


def finished(events: list[dict[str, Any]]) -> dict[str, Any]:
    done = [e for e in events if e["event"] == "FINISHED"]
    assert len(done) == 1, done
    return done[0]


# --- the module's executor ------------------------------------------------------------------


@dataclass
class Running:
    env: Env
    runtime: ExecutorRuntime
    client: httpx.AsyncClient
    receiver: Receiver


@pytest.fixture(scope="module")
async def executor(kafka: Any, keys_dir: Path, database_url: str) -> AsyncIterator[Running]:
    served = await serve_receiver()
    env = await new_env(kafka, keys_dir, database_url, webhook_url=served.receiver.url)
    runtime, app = build(env.settings)
    await runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://executor")
    try:
        await asyncio.wait_for(runtime.health.ready.wait(), 30)
        yield Running(env, runtime, client, served.receiver)
    finally:
        await client.aclose()
        await runtime.stop()
        await served.stop()


async def registry_entry(running: Running, name: str) -> dict[str, Any]:
    answer = await running.client.get("/api/v1/registry")
    return next(r for r in answer.json()["records"] if r["name"] == name)


# --- the registry ---------------------------------------------------------------------------


async def test_registry_import_is_published_idempotent_and_read_back(executor: Running) -> None:
    env = executor.env
    records = await drain(
        env.bootstrap, env.topic("registry.state"), until=lambda r: len(r) >= len(SCOPES)
    )
    published = {r.key.decode(): json.loads(r.value)["data"] for r in records}
    assert set(published) == set(SCOPES)
    assert published["AUDIT_TRAIL"]["frozen"] is True
    assert published["SYSTEM"]["config"]["max_requests_per_minute"] == 1000
    assert {v["revision"] for v in published.values()} == {1}

    document = yaml.safe_load(REGISTRY_FILE.read_text())
    assert await import_registry(env.settings, document) == []
    document["capabilities"][-1]["config"] = {"sunset": "2026-01-01"}
    assert await import_registry(env.settings, document) == ["LEGACY_REPORTS"]
    assert await import_registry(env.settings, document) == []
    entry = await registry_entry(executor, "LEGACY_REPORTS")
    assert (entry["revision"], entry["config"]) == (2, {"sunset": "2026-01-01"})
    answer = await executor.client.get("/api/v1/registry")
    assert [r["name"] for r in answer.json()["records"]] == sorted(SCOPES)


# --- running jobs ---------------------------------------------------------------------------


async def test_JOB_004_JOB_005_steps_in_order_each_recorded_then_audit_pending(
    executor: Running,
) -> None:
    env, receiver = executor.env, executor.receiver
    request = job(
        [
            step(1, StepType.CAPABILITY_ENABLE, "LOG_EXPORT", target_lifecycle="LAUNCHED"),
            step(2, StepType.CONFIG_UPDATE, "LOG_EXPORT", key="max_export_rows",
                 old_value=100000, new_value=250000),
            step(3, StepType.CONFIG_UPDATE, "LOG_EXPORT", "webhook", payload={"n": 3}),
            step(4, StepType.SIGNAL_RECORD, "LOG_EXPORT", signal_type="CHANGE_RECORDED"),
        ],
        ["LOG_EXPORT"],
    )  # fmt: skip
    await publish(env, request)
    events = await job_events(env, request.job_id)
    assert [e["event"] for e in events] == ["STARTED", *["STEP"] * 8, "FINISHED"]
    assert step_trail(events) == [(n, s) for n in (1, 2, 3, 4) for s in ("RUNNING", "COMPLETED")]
    done = finished(events)
    assert done["status"] == "COMPLETED"
    assert [s["status"] for s in done["steps"]] == ["COMPLETED"] * 4
    assert done["health_before"]["LOG_EXPORT"] == "HEALTHY"
    assert done["health_after"]["SYSTEM"] == "HEALTHY"
    before, after = done["registry_before"], done["registry_after"]
    assert set(before) == {"LOG_EXPORT", "SYSTEM"}
    assert (before["LOG_EXPORT"]["enabled"], before["LOG_EXPORT"]["lifecycle"]) == (
        False,
        "PREVIEW",
    )
    assert (after["LOG_EXPORT"]["enabled"], after["LOG_EXPORT"]["lifecycle"]) == (True, "LAUNCHED")
    assert after["LOG_EXPORT"]["config"]["max_export_rows"] == 250000
    assert done["steps"][0]["rollback_action"]["type"] == "capability_disable"
    assert done["steps"][2]["rollback_action"]["adapter"] == "webhook"
    # The webhook step carried its idempotency key; the receiver applied it once.
    key = str(step_idempotency_key(request.job_id, 3, AttemptKind.APPLY))
    assert receiver.applied[key] == 1
    # The read API shows the same.
    answer = (await executor.client.get(f"/api/v1/jobs/{request.job_id}")).json()
    assert (answer["status"], answer["outcome"]) == ("AUDIT_PENDING", "COMPLETED")
    steps = (await executor.client.get(f"/api/v1/jobs/{request.job_id}/steps")).json()["steps"]
    assert [(s["number"], s["status"]) for s in steps] == [(n, "COMPLETED") for n in (1, 2, 3, 4)]
    assert (await registry_entry(executor, "LOG_EXPORT"))["revision"] == 3
    signals = await drain(
        env.bootstrap, env.topic("governance.signals"), until=lambda r: len(r) >= 1
    )
    assert [r.key for r in signals] == [b"LOG_EXPORT+CHANGE_RECORDED"]

    # A redelivered request (same job id, new envelope) is a duplicate: nothing runs again.
    await publish(env, request)
    await asyncio.sleep(1.5)
    again = await job_events(env, request.job_id)
    assert len(again) == len(events)
    assert receiver.applied[key] == 1


async def test_JOB_001_scope_violation_fails_before_any_step(executor: Running) -> None:
    request = job(
        [
            step(1, StepType.CAPABILITY_ENABLE, "LOG_SEARCH", target_lifecycle="LAUNCHED"),
            step(2, StepType.CAPABILITY_ENABLE, "METRICS_EXPORT", target_lifecycle="LAUNCHED"),
        ],
        ["LOG_SEARCH"],
    )
    await publish(executor.env, request)
    events = await job_events(executor.env, request.job_id)
    done = finished(events)
    assert done["status"] == "FAILED"
    assert "outside the contract scope" in done["error"]
    assert step_trail(events) == []
    answer = (await executor.client.get(f"/api/v1/jobs/{request.job_id}")).json()
    # Nothing completed, so nothing to compensate: FAILED → ROLLBACK_PENDING → ROLLED_BACK.
    assert (answer["status"], answer["error_rule"]) == ("ROLLED_BACK", "JOB-001")
    assert (await registry_entry(executor, "METRICS_EXPORT"))["enabled"] is False


async def test_JOB_002_health_gate_blocks_mid_job_and_JOB_006_rolls_back_in_reverse(
    executor: Running,
) -> None:
    env, receiver = executor.env, executor.receiver
    request = job(
        [
            step(1, StepType.CAPABILITY_ENABLE, "METRICS_EXPORT", target_lifecycle="LAUNCHED"),
            step(2, StepType.CONFIG_UPDATE, "METRICS_EXPORT", "webhook",
                 payload={"hold": "gate-mid-job"}, compensation={"payload": {"undo": True}}),
            step(3, StepType.CONFIG_UPDATE, "METRICS_DASHBOARD", key="max_panels",
                 old_value=24, new_value=30),
        ],
        ["METRICS_EXPORT", "METRICS_DASHBOARD"],
    )  # fmt: skip
    gate = receiver.gate("gate-mid-job")
    await publish(env, request)
    await asyncio.wait_for(receiver.arrived["gate-mid-job"].wait(), 30)
    await publish_health(env, {"METRICS_DASHBOARD": HealthStatus.UNHEALTHY})
    view = executor.runtime.health
    await wait_until(
        lambda: view.view["METRICS_DASHBOARD"].status is HealthStatus.UNHEALTHY, timeout_s=20
    )
    gate.set()
    try:
        events = await job_events(env, request.job_id)
        done = finished(events)
        assert done["status"] == "FAILED"
        assert "health gate" in done["error"] and "METRICS_DASHBOARD is UNHEALTHY" in done["error"]
        assert step_trail(events) == [
            (1, "RUNNING"),
            (1, "COMPLETED"),
            (2, "RUNNING"),
            (2, "COMPLETED"),
        ]
        assert done["health_after"]["METRICS_DASHBOARD"] == "UNHEALTHY"

        rollback_id = rollback_job_id(request.job_id)
        rolled = await job_events(env, rollback_id)
        summary = finished(rolled)
        assert (summary["status"], summary["kind"]) == ("ROLLED_BACK", "rollback")
        assert summary["rolls_back_job_id"] == str(request.job_id)
        # JOB-006: the webhook (step 2) is compensated first, then the enable (step 1).
        compensations = [(s["type"], s["target"], s["parameters"]["compensates"]["step"])
                         for s in summary["steps"]]  # fmt: skip
        assert compensations == [
            ("config_update", "METRICS_EXPORT", 2),
            ("capability_disable", "METRICS_EXPORT", 1),
        ]
        assert all(s["status"] == "COMPLETED" for s in summary["steps"])
        undo_key = str(step_idempotency_key(rollback_id, 1, AttemptKind.COMPENSATE))
        assert receiver.keys_for("compensate") == [undo_key]
        assert receiver.responses[undo_key]["action"] == "compensate"
        entry = await registry_entry(executor, "METRICS_EXPORT")
        assert (entry["enabled"], entry["lifecycle"]) == (False, "PREVIEW")
        assert (await registry_entry(executor, "METRICS_DASHBOARD"))["config"]["max_panels"] == 24
        original = (await executor.client.get(f"/api/v1/jobs/{request.job_id}")).json()
        assert (original["status"], original["error_rule"]) == ("ROLLED_BACK", "JOB-002")
    finally:
        await publish_health(env, {"METRICS_DASHBOARD": HealthStatus.HEALTHY})
        await wait_until(
            lambda: view.view["METRICS_DASHBOARD"].status is HealthStatus.HEALTHY, timeout_s=20
        )


async def test_config_update_refuses_a_stale_old_value_and_the_job_rolls_back(
    executor: Running,
) -> None:
    request = job(
        [
            step(1, StepType.CONFIG_UPDATE, "ALERT_RULES", key="max_rules_per_tenant",
                 old_value=200, new_value=300),
            step(2, StepType.CONFIG_UPDATE, "ALERT_RULES", key="evaluation_interval_seconds",
                 old_value=999, new_value=30),
        ],
        ["ALERT_RULES"],
    )  # fmt: skip
    await publish(executor.env, request)
    events = await job_events(executor.env, request.job_id)
    done = finished(events)
    assert done["status"] == "FAILED"
    assert done["steps"][1]["status"] == "FAILED"
    assert "old_value mismatch" in done["steps"][1]["error"]
    # Nothing was written by the refused step; the rollback put step 1's value back.
    rolled = finished(await job_events(executor.env, rollback_job_id(request.job_id)))
    assert rolled["status"] == "ROLLED_BACK"
    config = (await registry_entry(executor, "ALERT_RULES"))["config"]
    assert config == {"max_rules_per_tenant": 200, "evaluation_interval_seconds": 60}


async def test_max_duration_ms_fails_a_slow_job_and_undoes_what_completed(
    executor: Running,
) -> None:
    request = job(
        [
            step(1, StepType.CAPABILITY_ENABLE, "ANOMALY_DETECTION", target_lifecycle="PREVIEW"),
            step(2, StepType.CONFIG_UPDATE, "ANOMALY_DETECTION", "webhook",
                 payload={"hold": "never-answers"}),
        ],
        ["ANOMALY_DETECTION"],
        max_duration_ms=2_000,
    )  # fmt: skip
    await publish(executor.env, request)
    events = await job_events(executor.env, request.job_id)
    done = finished(events)
    assert done["status"] == "FAILED"
    assert "over max_duration_ms 2000" in done["error"]
    assert done["steps"][1]["status"] == "FAILED"
    assert "not completed" in done["steps"][1]["error"]
    rolled = finished(await job_events(executor.env, rollback_job_id(request.job_id)))
    # Only the completed step 1 is compensated; the unfinished webhook step is not.
    assert [(s["type"], s["status"]) for s in rolled["steps"]] == [
        ("capability_disable", "COMPLETED")
    ]
    answer = (await executor.client.get(f"/api/v1/jobs/{request.job_id}")).json()
    assert (answer["status"], answer["error_rule"]) == ("ROLLED_BACK", "JOB-DURATION")
    assert (await registry_entry(executor, "ANOMALY_DETECTION"))["enabled"] is False


async def test_a_failing_compensation_ends_ROLLBACK_FAILED(executor: Running) -> None:
    request = job(
        [
            step(1, StepType.CONFIG_UPDATE, "TRACE_VIEWER", "webhook",
                 compensation={"payload": {"fail": True}}),
            step(2, StepType.CONFIG_UPDATE, "TRACE_VIEWER", key="retention_days",
                 old_value=1, new_value=14),
        ],
        ["TRACE_VIEWER"],
    )  # fmt: skip
    await publish(executor.env, request)
    assert finished(await job_events(executor.env, request.job_id))["status"] == "FAILED"
    rolled = finished(await job_events(executor.env, rollback_job_id(request.job_id)))
    assert rolled["status"] == "ROLLBACK_FAILED"
    assert "HTTP 422" in rolled["steps"][0]["error"]
    original = (await executor.client.get(f"/api/v1/jobs/{request.job_id}")).json()
    assert original["status"] == "ROLLBACK_FAILED"


async def test_terminal_jobs_never_change_in_the_database(executor: Running) -> None:
    engine = create_engine(
        executor.env.settings.database_url or "", executor.env.settings.db_schema
    )
    try:
        async with engine.connect() as conn:
            job_id = await conn.scalar(
                sa.text("SELECT job_id FROM jobs WHERE status = 'ROLLED_BACK' LIMIT 1")
            )
        assert job_id is not None
        with pytest.raises(DBAPIError, match="JOB-TERMINAL"):
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text("UPDATE jobs SET error = 'edited' WHERE job_id = :j"), {"j": job_id}
                )
        with pytest.raises(DBAPIError, match="JOB-TABLE"):
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text("UPDATE jobs SET status = 'RUNNING' WHERE status = 'AUDIT_PENDING'")
                )
    finally:
        await engine.dispose()


async def test_read_api_errors_and_filters(executor: Running) -> None:
    missing = await executor.client.get(f"/api/v1/jobs/{uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "JOB_NOT_FOUND"
    assert missing.json()["field"] == "job_id"
    bad = await executor.client.get("/api/v1/jobs/not-a-uuid/steps")
    assert (bad.status_code, bad.json()["field"]) == (422, "job_id")
    listed = (await executor.client.get("/api/v1/jobs", params={"status": "AUDIT_PENDING"})).json()
    assert listed["jobs"] and {j["status"] for j in listed["jobs"]} == {"AUDIT_PENDING"}
    ready = await executor.client.get("/readyz")
    assert ready.status_code == 200


# --- cancel (a fresh executor, so the cancel lands while the job is still PENDING) --------


async def test_SM001_a_request_past_its_activation_window_is_answered_FINISHED_FAILED(
    kafka: Any, keys_dir: Path, database_url: str
) -> None:
    env = await new_env(kafka, keys_dir, database_url)
    late = job(
        [step(1, StepType.CAPABILITY_ENABLE, "LOG_EXPORT", target_lifecycle="LAUNCHED")],
        ["LOG_EXPORT"],
    )
    closed = datetime.now(UTC) - timedelta(minutes=1)
    late = late.model_copy(
        update={
            "activation_window_start": closed - timedelta(hours=1),
            "activation_window_end": closed,
        }
    )
    await publish(env, late)
    runtime, app = build(env.settings)
    await runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://executor")
    try:
        events = await job_events(env, late.job_id)
        assert [(e["event"], e["status"], e["steps"]) for e in events] == [
            ("FINISHED", "FAILED", [])
        ]
        assert events[0]["error"] == (
            "refused by the executor (SM-001): activation window has closed"
        )
        # Refused, not taken on: no job is stored, no step ran (no STARTED or STEP event).
        assert (await client.get(f"/api/v1/jobs/{late.job_id}")).status_code == 404
    finally:
        await client.aclose()
        await runtime.stop()


async def test_cancel_of_a_pending_job_and_ignored_cancel_of_a_finished_one(
    kafka: Any, keys_dir: Path, database_url: str
) -> None:
    env = await new_env(kafka, keys_dir, database_url)
    pending = job(
        [step(1, StepType.CAPABILITY_ENABLE, "LOG_EXPORT", target_lifecycle="LAUNCHED")],
        ["LOG_EXPORT"],
    )
    # Both are on the topic before the executor starts: one batch, one transaction.
    await publish(env, pending, cancel(pending))
    runtime, app = build(env.settings)
    await runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://executor")
    try:
        events = await job_events(env, pending.job_id)
        assert [(e["event"], e["status"]) for e in events] == [("CANCELLED", "CANCELLED")]
        answer = (await client.get(f"/api/v1/jobs/{pending.job_id}")).json()
        assert answer["status"] == "CANCELLED"
        assert "changed my mind" in answer["error"]

        done = job(
            [step(1, StepType.CAPABILITY_ENABLE, "LOG_EXPORT", target_lifecycle="LAUNCHED")],
            ["LOG_EXPORT"],
        )
        await publish(env, done)
        assert finished(await job_events(env, done.job_id))["status"] == "COMPLETED"
        await publish(env, cancel(done))
        await asyncio.sleep(1.5)
        after = await job_events(env, done.job_id)
        assert "CANCELLED" not in [e["event"] for e in after]
        answer = (await client.get(f"/api/v1/jobs/{done.job_id}")).json()
        assert answer["status"] == "AUDIT_PENDING"
    finally:
        await client.aclose()
        await runtime.stop()

"""Executor processes killed and shared (SPEC §11; ARCHITECTURE "Delivery and state").

`python -m govmesh.executor` runs as subprocesses on the real broker and database. A
process SIGKILLed in the middle of a slow webhook step is replaced; the job is resumed
after its lease expires, the in-flight step re-runs with the same Idempotency-Key, and
every side effect is applied once. Two processes share a batch of jobs; none runs twice.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from govmesh.executor.domain.idempotency import AttemptKind, step_idempotency_key
from govmesh.mesh.db import create_engine
from govmesh.schemas import StepType
from tests.integration.helpers import drain, values
from tests.integration.test_executor_service import (
    Env,
    finished,
    job,
    job_events,
    new_env,
    publish,
    serve_receiver,
    step,
    step_trail,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _env(env: Env, instance: str) -> dict[str, str]:
    settings = env.settings
    variables = {k: v for k, v in os.environ.items() if not k.startswith("GOVMESH_")}
    variables.update(
        {
            "GOVMESH_PRINCIPAL": "executor",
            "GOVMESH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "GOVMESH_DATABASE_URL": settings.database_url or "",
            "GOVMESH_KEYS_DIR": str(settings.keys_dir),
            "GOVMESH_TOPIC_PREFIX": settings.topic_prefix,
            "GOVMESH_DB_SCHEMA": settings.db_schema,
            "GOVMESH_LEASE_S": "2",
            "GOVMESH_SWEEP_INTERVAL_S": "0.3",
            "GOVMESH_INSTANCE_ID": instance,
            "GOVMESH_HTTP_PORT": "0",
            "GOVMESH_LOG_LEVEL": "INFO",
            "GOVMESH_WEBHOOK_URL": settings.webhook_url or "",
        }
    )
    return variables


@contextmanager
def executor_process(env: Env, instance: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "govmesh.executor"],
            cwd=ROOT,
            env=_env(env, instance),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def _rows(env: Env, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(env.settings.database_url or "", env.settings.db_schema)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(sa.text(sql), params)).all())
    finally:
        await engine.dispose()


async def test_SIGKILL_mid_step_the_job_resumes_and_completes_exactly_once(
    kafka: Any, keys_dir: Path, database_url: str, tmp_path: Path
) -> None:
    served = await serve_receiver()
    receiver = served.receiver
    env = await new_env(kafka, keys_dir, database_url, webhook_url=receiver.url)
    request = job(
        [
            step(1, StepType.CAPABILITY_ENABLE, "LOG_EXPORT", target_lifecycle="LAUNCHED"),
            step(2, StepType.CONFIG_UPDATE, "LOG_EXPORT", "webhook", payload={"hold": "slow"}),
            step(3, StepType.CONFIG_UPDATE, "LOG_EXPORT", key="export_format",
                 old_value="csv", new_value="parquet"),
        ],
        ["LOG_EXPORT"],
    )  # fmt: skip
    receiver.gate("slow")
    try:
        await publish(env, request)
        with executor_process(env, "executor-a", tmp_path / "a.log") as first:
            await asyncio.wait_for(receiver.arrived["slow"].wait(), 60)
            first.kill()
            await asyncio.to_thread(first.wait)
        assert first.returncode == -9
        slow_key = str(step_idempotency_key(request.job_id, 2, AttemptKind.APPLY))
        assert receiver.applied[slow_key] == 1
        receiver.gates["slow"].set()

        with executor_process(env, "executor-b", tmp_path / "b.log"):
            events = await job_events(env, request.job_id)
        done = finished(events)
        assert done["status"] == "COMPLETED"
        assert [s["status"] for s in done["steps"]] == ["COMPLETED"] * 3
        # Each step recorded once, in order; the resumed step 2 was never recorded twice.
        assert step_trail(events) == [(n, s) for n in (1, 2, 3) for s in ("RUNNING", "COMPLETED")]
        # The webhook step was sent twice with one key and applied once.
        assert [k for k, _ in receiver.requests] == [slow_key, slow_key]
        assert receiver.applied[slow_key] == 1
        rows = await _rows(
            env,
            "SELECT j.claims, j.executed_by, s.number, s.attempts FROM jobs j "
            "JOIN job_steps s USING (job_id) WHERE j.job_id = :j ORDER BY s.number",
            j=request.job_id,
        )
        assert [(r.number, r.attempts) for r in rows] == [(1, 1), (2, 2), (3, 1)]
        assert rows[0].claims == 2
        # The registry changed once per registry step: revisions 2 and 3, nothing more.
        records = await drain(
            env.bootstrap,
            env.topic("registry.state"),
            until=lambda r: sum(x.key == b"LOG_EXPORT" for x in r) >= 3,
        )
        revisions = [
            v["data"]["revision"] for v in values(records) if v["data"]["name"] == "LOG_EXPORT"
        ]
        assert sorted(set(revisions)) == [1, 2, 3]
        effects = await _rows(
            env, "SELECT count(*) AS n FROM step_effects WHERE job_id = :j", j=request.job_id
        )
        assert effects[0].n == 2
    finally:
        await served.stop()


async def test_two_executor_processes_share_a_batch_and_run_no_job_twice(
    kafka: Any, keys_dir: Path, database_url: str, tmp_path: Path
) -> None:
    served = await serve_receiver()
    receiver = served.receiver
    env = await new_env(kafka, keys_dir, database_url, webhook_url=receiver.url)
    requests = [
        job(
            [
                step(1, StepType.CONFIG_UPDATE, "LOGS_LIST", "webhook", payload={"job": n}),
                step(2, StepType.CONFIG_UPDATE, "LOGS_LIST", key=f"batch_{n}", new_value=n),
                step(3, StepType.SIGNAL_RECORD, "LOGS_LIST", signal_type="CHANGE_RECORDED"),
            ],
            ["LOGS_LIST"],
        )
        for n in range(24)
    ]
    try:
        with (
            executor_process(env, "executor-1", tmp_path / "1.log"),
            executor_process(env, "executor-2", tmp_path / "2.log"),
        ):
            await asyncio.sleep(8)  # both members join the group before the batch arrives
            await publish(env, *requests)
            wanted = {str(r.job_id) for r in requests}

            def all_finished(records: list[Any]) -> bool:
                seen = {
                    v["data"]["job_id"] for v in values(records) if v["data"]["event"] == "FINISHED"
                }
                return wanted <= seen

            records = await drain(
                env.bootstrap, env.topic("jobs.events"), until=all_finished, timeout_s=90
            )
        finished_events = [v["data"] for v in values(records) if v["data"]["event"] == "FINISHED"]
        assert sorted(e["job_id"] for e in finished_events) == sorted(wanted)
        assert {e["status"] for e in finished_events} == {"COMPLETED"}
        applied_keys = [k for k, _ in receiver.requests]
        assert len(applied_keys) == len(set(applied_keys)) == len(requests)
        assert set(receiver.applied.values()) == {1}
        owners = await _rows(
            env,
            "SELECT executed_by, count(*) AS n, max(claims) AS claims FROM jobs GROUP BY executed_by",
        )
        assert {r.executed_by for r in owners} == {"executor-1", "executor-2"}
        assert all(r.claims == 1 for r in owners)
        config = (await _rows(env, "SELECT config FROM registry WHERE name = 'LOGS_LIST'"))[
            0
        ].config
        assert all(config[f"batch_{n}"] == n for n in range(24))
    finally:
        await served.stop()

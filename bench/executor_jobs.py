"""Executor throughput: 3-step jobs/s with 1 and 2 `python -m govmesh.executor` processes.

Printed beside the raw figures of the same run, on the same embedded broker and database:
  raw broker   produce N records and consume them back (plain aiokafka), records/s
  raw db       short write transactions (insert + update + commit) on 10 connections, commits/s
  executor     N jobs published on jobs.requested (3 registry steps each) until every
               FINISHED event is on jobs.events, jobs/s; each job costs 2 durable
               transactions (intake; then start, the 3 registry steps — each started,
               applied and recorded before the next — and finish) and 11 outbox events
               (8 on jobs.events, 3 on registry.state)

Usage: python bench/executor_jobs.py [--jobs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from govmesh.executor.app import import_registry, migrate
from govmesh.executor.settings import ExecutorSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import create_engine
from govmesh.mesh.embedded import free_ports, start_postgres, start_tansu
from govmesh.mesh.signing import Signer, generate_keys
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import (
    HealthSignal,
    HealthStatus,
    JobRequested,
    PlannedStep,
    Principal,
    StepType,
)

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = yaml.safe_load((ROOT / "tests" / "data" / "demo_registry.yaml").read_text())
CAPABILITIES = [c["name"] for c in REGISTRY["capabilities"] if not c["frozen"]]


async def _produce(bootstrap: str, topic: str, items: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(topic, key=k, value=v) for k, v in items]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


#: Durable transactions per 3-step registry job (see the module docstring).
TRANSACTIONS_PER_JOB = 2


async def raw_broker(bootstrap: str, topic: str, n: int) -> float:
    payload = b"x" * 1500
    started = time.monotonic()
    await _produce(bootstrap, topic, [(str(i).encode(), payload) for i in range(n)])
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen = 0
    try:
        while seen < n:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            seen += sum(len(v) for v in batch.values())
    finally:
        await consumer.stop()
    return n / (time.monotonic() - started)


async def raw_db(url: str, n: int, concurrency: int = 10) -> float:
    schema = f"rawdb_{uuid.uuid4().hex[:6]}"
    engine = create_engine(url, "public", pool_size=concurrency)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        await conn.execute(sa.text(f"CREATE TABLE {schema}.t (id uuid PRIMARY KEY, v jsonb)"))

    async def worker(count: int) -> None:
        for _ in range(count):
            key = uuid.uuid4()
            async with engine.begin() as conn:
                await conn.execute(
                    sa.text(f"INSERT INTO {schema}.t VALUES (:k, '{{}}')"), {"k": key}
                )
                await conn.execute(
                    sa.text(f"UPDATE {schema}.t SET v = '{{\"a\": 1}}' WHERE id = :k"), {"k": key}
                )

    started = time.monotonic()
    await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    await engine.dispose()
    return (n // concurrency) * concurrency / elapsed


def _job(n: int) -> JobRequested:
    target = CAPABILITIES[n % len(CAPABILITIES)]
    now = datetime.now(UTC)
    steps = [
        PlannedStep(
            number=i,
            type=StepType.CONFIG_UPDATE,
            target=target,
            parameters={"key": f"bench_{n}_{i}", "new_value": i},
        )
        for i in (1, 2, 3)
    ]
    return JobRequested(
        job_id=uuid.uuid4(),
        contract_id=uuid.uuid4(),
        steps=steps,
        scope=[target],
        max_duration_ms=600_000,
        activation_window_start=now - timedelta(minutes=1),
        activation_window_end=now + timedelta(hours=1),
        requested_at=now,
    )


async def _finished(bootstrap: str, topic: str, wanted: set[str], timeout_s: float) -> float:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    seen: set[str] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while not wanted <= seen:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(seen & wanted)}/{len(wanted)} jobs finished")
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            for records in batch.values():
                for record in records:
                    data = json.loads(record.value)["data"]
                    if data["event"] == "FINISHED":
                        seen.add(data["job_id"])
        return time.monotonic()
    finally:
        await consumer.stop()


async def executors(bootstrap: str, url: str, keys: Path, processes: int, n: int) -> float:
    prefix = f"exec{processes}{uuid.uuid4().hex[:6]}."
    await ensure_topics(bootstrap, prefix)
    settings = ExecutorSettings(
        kafka_bootstrap=bootstrap,
        database_url=url,
        keys_dir=keys,
        topic_prefix=prefix,
        db_schema=f"bench_{uuid.uuid4().hex[:8]}",
    )
    await asyncio.to_thread(migrate, settings)
    await import_registry(settings, REGISTRY)
    health = Signer.load(keys, Principal.HEALTH)
    now = datetime.now(UTC)
    signals = [
        HealthSignal(
            scope=scope,
            status=HealthStatus.HEALTHY,
            source="baseline",
            reason="bench",
            observed_at=now,
            valid_until=now + timedelta(hours=1),
        )
        for scope in ["SYSTEM", *CAPABILITIES]
    ]
    await _produce(
        bootstrap,
        f"{prefix}health.signals",
        [(s.scope.encode(), make_envelope(s, health).to_bytes()) for s in signals],
    )
    contracts = Signer.load(keys, Principal.CONTRACTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMESH_")}
    env.update(
        GOVMESH_KAFKA_BOOTSTRAP=bootstrap,
        GOVMESH_DATABASE_URL=url,
        GOVMESH_KEYS_DIR=str(keys),
        GOVMESH_TOPIC_PREFIX=prefix,
        GOVMESH_DB_SCHEMA=settings.db_schema,
        GOVMESH_LOG_LEVEL="WARNING",
    )
    procs = []
    ports = free_ports(processes)
    for i, port in enumerate(ports):
        procs.append(
            subprocess.Popen(  # noqa: ASYNC220 - started once, before the measurement
                [sys.executable, "-m", "govmesh.executor"],
                env={**env, "GOVMESH_HTTP_PORT": str(port), "GOVMESH_INSTANCE_ID": f"bench-{i}"},
                stdout=subprocess.DEVNULL,
            )
        )
    try:
        async with httpx.AsyncClient() as client:
            for port in ports:
                for _ in range(300):
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
        # Warm up: every member has joined the group once a job per partition has finished.
        warm = [_job(i) for i in range(6)]
        await _produce(
            bootstrap,
            f"{prefix}jobs.requested",
            [(str(j.contract_id).encode(), make_envelope(j, contracts).to_bytes()) for j in warm],
        )
        await _finished(bootstrap, f"{prefix}jobs.events", {str(j.job_id) for j in warm}, 120)
        jobs = [_job(i) for i in range(n)]
        payloads = [
            (str(j.contract_id).encode(), make_envelope(j, contracts).to_bytes()) for j in jobs
        ]
        started = time.monotonic()
        await _produce(bootstrap, f"{prefix}jobs.requested", payloads)
        end = await _finished(bootstrap, f"{prefix}jobs.events", {str(j.job_id) for j in jobs}, 600)
        return n / (end - started)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = start_tansu(work / "broker")
        pg = start_postgres(work / "pgdata")
        keys = work / "keys"
        generate_keys(keys)
        try:
            prefix = f"raw{uuid.uuid4().hex[:6]}."
            await ensure_topics(broker.bootstrap, prefix)
            broker_rate = await raw_broker(broker.bootstrap, f"{prefix}jobs.events", n * 10)
            print(f"raw broker   {broker_rate:10,.0f} records/s (produce + consume)", flush=True)
            db_rate = await raw_db(pg.url, n * 10)
            print(f"raw db       {db_rate:10,.0f} commits/s (insert+update, 10 connections)")
            for processes in (1, 2):
                rate = await executors(broker.bootstrap, pg.url, keys, processes, n)
                print(
                    f"executor x{processes}  {rate:10,.1f} jobs/s (3 steps) "
                    f"≈ {rate * TRANSACTIONS_PER_JOB:,.0f} commits/s and {rate * 11:,.0f} events/s "
                    f"= {rate * TRANSACTIONS_PER_JOB / db_rate:.2f} of raw db, "
                    f"{rate * 11 / broker_rate:.3f} of raw broker",
                    flush=True,
                )
        finally:
            broker.stop()
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300)
    asyncio.run(main(parser.parse_args().jobs))

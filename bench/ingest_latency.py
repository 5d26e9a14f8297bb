"""Ingest -> verdict latency at a fixed rate, beside the raw broker hop, in the same run.

Prints p50/p99 in ms for:
  hop     a plain aiokafka producer -> a plain group-less aiokafka consumer
          (fetch_max_wait_ms=100) on a scratch topic, small messages at the same rate
  verdict HTTP POST to the ingest app (in-process ASGI transport; durable commit, outbox
          relay to issues.accepted) -> the validator runtime -> its ProposalValidated on
          proposals.validated, matched by the issue_id of the 201 answer
The verdict path crosses two broker hops (outbox relay -> validator, validator -> reader)
plus the ingest transaction, so its floor is about twice the hop figure.

Usage: python bench/ingest_latency.py [--rate R] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from govmesh.ingest.app import build as build_ingest
from govmesh.ingest.app import migrate as migrate_ingest
from govmesh.ingest.settings import IngestSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.embedded import start_postgres, start_tansu
from govmesh.mesh.signing import Signer, generate_keys
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import Lifecycle, Principal, RegistryState
from govmesh.validator.app import build as build_validator
from govmesh.validator.settings import ValidatorSettings

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden" / "CrmEvent.json"
API_KEY = "bench-key"
INGEST_PATH = "/api/v1/governance/events"


def _event() -> dict[str, Any]:
    """A distinct valid CRM event (fresh ids, key, reference; source_timestamp = now)."""
    event: dict[str, Any] = json.loads(GOLDEN.read_text())
    event["envelope"]["event_id"] = str(uuid.uuid4())
    event["envelope"]["idempotency_key"] = f"bench-{uuid.uuid4()}"
    event["envelope"]["source_timestamp"] = datetime.now(UTC).isoformat()
    event["attribution"]["source_reference"] = f"TICKET-{uuid.uuid4().hex[:12]}"
    return event


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) in ms of samples in seconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def _until(predicate: Any, timeout_s: float) -> bool:
    """Poll `predicate` every 50 ms for at most `timeout_s`; whether it came true."""
    for _ in range(int(timeout_s / 0.05)):
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return bool(predicate())


async def _paced(rate: float, seconds: float, fire: Any) -> int:
    """Call `fire(i)` as a task at a fixed rate (open loop); return how many were fired."""
    n = int(rate * seconds)
    tasks = []
    start = time.monotonic()
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(i)))
    await asyncio.gather(*tasks)
    return n


async def broker_hop(bootstrap: str, topic: str, rate: float, seconds: float) -> list[float]:
    """Produce -> consume latency of small messages on a scratch topic."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await consumer.start()
    await producer.start()
    sent: dict[bytes, float] = {}
    latencies: list[float] = []

    async def read() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batch.values():
                for r in records:
                    if r.value in sent:
                        latencies.append(now - sent[r.value])

    reader = asyncio.create_task(read())
    try:

        async def fire(i: int) -> None:
            value = f"hop-{i}".encode()
            sent[value] = time.monotonic()
            await producer.send_and_wait(topic, key=value, value=value)

        n = await _paced(rate, seconds, fire)
        await _until(lambda: len(latencies) >= n, 30)
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await producer.stop()
        await consumer.stop()
    return latencies


async def verdicts(
    client: httpx.AsyncClient,
    bootstrap: str,
    topic: str,
    rate: float,
    seconds: float,
    warmup: int = 3,
) -> tuple[list[float], int, int]:
    """POST -> ProposalValidated latency; (latencies, accepted, fired)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    latencies: list[float] = []

    async def read() -> None:
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.monotonic()
            for records in batch.values():
                for r in records:
                    seen.setdefault(json.loads(r.value)["data"]["issue_id"], now)

    reader = asyncio.create_task(read())
    headers = {"X-API-Key": API_KEY}
    try:
        # Warm-up: first connections and code paths, outside the measurement.
        for _ in range(warmup):
            answer = await client.post(INGEST_PATH, json=_event(), headers=headers)
            assert answer.status_code == 201, answer.text
            issue_id = answer.json()["issue_id"]
            if not await _until(lambda i=issue_id: i in seen, 60):
                raise RuntimeError("no verdict for the warm-up event within 60 s")

        async def fire(_i: int) -> None:
            event = _event()
            started = time.monotonic()
            answer = await client.post(INGEST_PATH, json=event, headers=headers)
            if answer.status_code == 201:
                sent[answer.json()["issue_id"]] = started

        n = await _paced(rate, seconds, fire)
        await _until(lambda: all(i in seen for i in sent), 60)
        latencies = [seen[i] - t for i, t in sent.items() if i in seen]
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await consumer.stop()
    return latencies, len(sent), n


async def main(rate: float, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = start_tansu(work / "broker")
        pg = start_postgres(work / "pgdata")
        keys = work / "keys"
        generate_keys(keys)
        try:
            hop_prefix = f"hop{uuid.uuid4().hex[:6]}."
            await ensure_topics(broker.bootstrap, hop_prefix)
            hop = await broker_hop(broker.bootstrap, f"{hop_prefix}issues.accepted", rate, seconds)

            prefix = f"il{uuid.uuid4().hex[:6]}."
            await ensure_topics(broker.bootstrap, prefix)
            common: dict[str, Any] = {
                "kafka_bootstrap": broker.bootstrap,
                "database_url": pg.url,
                "keys_dir": keys,
                "topic_prefix": prefix,
            }
            ingest_settings = IngestSettings(
                **common,
                api_keys={API_KEY: "*"},
                db_schema=f"ingest_{uuid.uuid4().hex[:6]}",
                # The bench measures latency, not the per-key limiter.
                rate_limit_per_s=1e9,
                rate_limit_burst=1_000_000_000,
            )
            validator_settings = ValidatorSettings(**common)
            await asyncio.to_thread(migrate_ingest, ingest_settings)
            # A registry record, so the validator's view is loaded as in production.
            record = RegistryState(
                name="LOGS_LIST",
                enabled=False,
                lifecycle=Lifecycle.PREVIEW,
                config={"max_requests_per_minute": 100},
                revision=1,
                updated_at=datetime.now(UTC),
            )
            envelope = make_envelope(record, Signer.load(keys, Principal.EXECUTOR))
            producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
            await producer.start()
            try:
                await producer.send_and_wait(
                    validator_settings.kafka_topic("registry.state"),
                    key=b"LOGS_LIST",
                    value=envelope.to_bytes(),
                )
            finally:
                await producer.stop()

            ingest_runtime, app = build_ingest(ingest_settings)
            validator_runtime, _ = build_validator(validator_settings)
            await ingest_runtime.start()
            await validator_runtime.start()
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app), base_url="http://ingest", timeout=30.0
            )
            try:
                latencies, accepted, fired = await verdicts(
                    client,
                    broker.bootstrap,
                    validator_settings.kafka_topic("proposals.validated"),
                    rate,
                    seconds,
                )
            finally:
                await client.aclose()
                await validator_runtime.stop()
                await ingest_runtime.stop()

            print(f"rate {rate:g}/s for {seconds:g} s")
            for name, samples, count in (
                ("hop", hop, f"{len(hop)}/{int(rate * seconds)} received"),
                ("verdict", latencies, f"{len(latencies)}/{accepted} verdicts, {fired} posted"),
            ):
                p50, p99 = percentiles(samples)
                print(f"{name:8s} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms   ({count})", flush=True)
            hop50, hop99 = percentiles(hop)
            v50, v99 = percentiles(latencies)
            print(f"verdict/hop  p50 {v50 / hop50:.1f}x   p99 {v99 / hop99:.1f}x")
        finally:
            broker.stop()
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds))

"""Throughput of one mesh stage against the raw aiokafka loop, in the same run.

Prints messages/s for:
  raw     consume -> produce the same bytes -> commit (plain aiokafka)
  verify  consume -> parse, schema, authority, Ed25519 verify -> build and sign a
          new message -> produce -> commit (the libs/mesh consumer)
  db      the same verify stage, but each batch runs inbox + outbox in one
          PostgreSQL transaction and the outbox relay publishes (stateful services)
and the ratios verify/raw (target >= 0.5) and db/raw (target >= 0.3).

Usage: python bench/mesh_stage.py [--messages N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.db import OutboxWriter
from govmesh.mesh.embedded import start_postgres, start_tansu
from govmesh.mesh.kafka import Outgoing
from govmesh.mesh.migrate import upgrade
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import Signer, generate_keys
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import (
    IssueAccepted,
    IssueType,
    Principal,
    ProposalValidated,
    RecommendedAction,
    Severity,
    ValidatorVerdict,
)
from govmesh.schemas.crm import CrmEvent

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden"


def _issue(n: int) -> IssueAccepted:
    event = CrmEvent.model_validate_json((GOLDEN / "CrmEvent.json").read_text())
    return IssueAccepted(issue_id=uuid.uuid4(), received_at=datetime.now(UTC), event=event)


VERDICT = ValidatorVerdict(
    issue_type=IssueType.CAPABILITY_REQUEST,
    severity=Severity.MEDIUM,
    affected_capabilities=["LOGS_LIST"],
    recommended_action=RecommendedAction.CREATE_CONTRACT,
    confidence_score=0.85,
    reason="bench",
    evidence=["bench"],
    analyzed_at=datetime(2026, 1, 1, tzinfo=UTC),
    validator_version="1.0.0",
)


async def _fill(bootstrap: str, topic: str, payloads: list[tuple[bytes, bytes]]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=256 * 1024,
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, key=k, value=v) for k, v in payloads]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _count(bootstrap: str, topic: str, n: int, timeout_s: float = 300) -> float:
    """Wait until `topic` holds n records; return the monotonic time it was reached."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
    )
    await consumer.start()
    seen = 0
    deadline = time.monotonic() + timeout_s
    try:
        while seen < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=10_000)
            seen += sum(len(v) for v in batch.values())
        if seen < n:
            raise RuntimeError(f"only {seen}/{n} records reached {topic}")
        return time.monotonic()
    finally:
        await consumer.stop()


async def raw_stage(bootstrap: str, src: str, dst: str, n: int) -> float:
    consumer = AIOKafkaConsumer(
        src,
        bootstrap_servers=bootstrap,
        group_id=f"raw-{src}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        max_poll_records=500,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, linger_ms=2)
    await consumer.start()
    await producer.start()
    done = 0
    started: float | None = None
    try:
        while done < n:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            if not batch:
                continue
            started = started or time.monotonic()
            futures = [
                await producer.send(dst, key=r.key, value=r.value)
                for recs in batch.values()
                for r in recs
            ]
            await asyncio.gather(*futures)
            await consumer.commit()
            done += len(futures)
        assert started is not None
        return n / (time.monotonic() - started)
    finally:
        await consumer.stop()
        await producer.stop()


async def mesh_stage(settings: MeshSettings, n: int, schema: str | None) -> float:
    """The validator's shape: issues.accepted -> proposals.validated."""
    runtime = ServiceRuntime(
        settings, produces=["proposals.validated"], consumes=["issues.accepted"], schema=schema
    )
    first: list[float] = []

    def answer(d: Delivery) -> Outgoing:
        issue = d.message
        assert isinstance(issue, IssueAccepted)
        out = ProposalValidated(issue_id=issue.issue_id, event=issue.event, verdict=VERDICT)
        return Outgoing(
            "proposals.validated", str(issue.issue_id), runtime.envelope(out, cause=d.envelope)
        )

    async def stateless(batch: list[Delivery]) -> None:
        first.append(time.monotonic())
        await runtime.producer.send_many([answer(d) for d in batch])

    async def stateful(_conn: object, batch: list[Delivery], outbox: OutboxWriter) -> None:
        first.append(time.monotonic())
        for d in batch:
            outbox.add(answer(d))

    handler = runtime.transactional(stateful) if schema else stateless  # type: ignore[arg-type]
    runtime.consumer(["issues.accepted"], f"stage-{schema or 'verify'}", handler)
    await runtime.start()
    try:
        end = await _count(settings.kafka_bootstrap, settings.kafka_topic("proposals.validated"), n)
    finally:
        await runtime.stop()
    return n / (end - first[0])


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = start_tansu(work / "broker")
        pg = start_postgres(work / "pgdata")
        keys = work / "keys"
        generate_keys(keys)
        try:
            ingest = Signer.load(keys, Principal.INGEST)
            payloads = []
            for i in range(n):
                issue = _issue(i)
                env = make_envelope(issue, ingest)
                payloads.append((str(issue.issue_id).encode(), env.to_bytes()))
            results: dict[str, float] = {}
            for name in ("raw", "verify", "db"):
                prefix = f"{name}{uuid.uuid4().hex[:6]}."
                await ensure_topics(broker.bootstrap, prefix)
                await _fill(broker.bootstrap, f"{prefix}issues.accepted", payloads)
                settings = MeshSettings(
                    principal=Principal.VALIDATOR,
                    kafka_bootstrap=broker.bootstrap,
                    database_url=pg.url,
                    keys_dir=keys,
                    topic_prefix=prefix,
                )
                if name == "raw":
                    results[name] = await raw_stage(
                        broker.bootstrap,
                        f"{prefix}issues.accepted",
                        f"{prefix}proposals.validated",
                        n,
                    )
                elif name == "verify":
                    results[name] = await mesh_stage(settings, n, None)
                else:
                    schema = f"bench_{uuid.uuid4().hex[:6]}"
                    await asyncio.to_thread(upgrade, pg.url, schema)
                    results[name] = await mesh_stage(settings, n, schema)
                print(f"{name:7s} {results[name]:10,.0f} messages/s", flush=True)
            print(f"verify/raw {results['verify'] / results['raw']:.2f}  (target >= 0.50)")
            print(f"db/raw     {results['db'] / results['raw']:.2f}  (target >= 0.30)")
        finally:
            broker.stop()
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().messages))

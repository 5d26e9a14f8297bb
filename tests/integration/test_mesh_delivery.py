"""Exactly-once effects over at-least-once delivery, with real process kills."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.db import (
    OutboxRelay,
    OutboxWriter,
    RawStatement,
    create_engine,
    is_transient,
    prune,
)
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.kafka import MeshProducer, Outgoing
from govmesh.mesh.migrate import upgrade
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.signing import Signer
from govmesh.schemas import Envelope, Principal
from tests.infra import unique
from tests.integration.helpers import drain, governance_signal, produce_raw, wait_until
from tests.integration.procs import EFFECTS_DDL, record_effect

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def _env(settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "GOVMESH_PRINCIPAL": settings.principal.value,
            "GOVMESH_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
            "GOVMESH_DATABASE_URL": settings.database_url,
            "GOVMESH_KEYS_DIR": str(settings.keys_dir),
            "GOVMESH_TOPIC_PREFIX": settings.topic_prefix,
        }
    )
    return env


async def _schema(database_url: str) -> str:
    schema = unique("s_")
    await asyncio.to_thread(upgrade, database_url, schema)
    engine = create_engine(database_url, schema)
    async with engine.begin() as conn:
        await conn.execute(sa.text(EFFECTS_DDL))
    await engine.dispose()
    return schema


async def test_killed_between_db_commit_and_offset_commit_redelivery_is_a_no_op(
    mesh, keys_dir: Path, database_url: str
) -> None:
    settings = mesh(Principal.ELIGIBILITY)
    schema = await _schema(database_url)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    envelope = make_envelope(governance_signal("LOGS_LIST"), console)
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("governance.signals"),
        [(b"LOGS_LIST", envelope.to_bytes())],
    )

    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tests.integration.procs", "consume", schema],
        cwd=ROOT,
        env=_env(settings),
        timeout=90,
        capture_output=True,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]

    engine = create_engine(database_url, schema)
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM effects")) == 1

    # A new process of the same group gets the message again: the inbox drops it.
    runtime = ServiceRuntime(settings, produces=[], consumes=["governance.signals"], schema=schema)
    effect_calls: list[UUID] = []

    async def counting(conn, batch: list[Delivery], outbox: OutboxWriter) -> None:
        effect_calls.extend(d.envelope.event_id for d in batch)
        await record_effect(conn, batch, outbox)

    transactional = runtime.transactional(counting)
    redelivered: list[UUID] = []

    async def handler(batch: list[Delivery]) -> None:
        redelivered.extend(d.envelope.event_id for d in batch)
        await transactional(batch)

    runtime.consumer(["governance.signals"], "exactly-once", handler)
    await runtime.start()
    try:
        await wait_until(lambda: bool(redelivered), timeout_s=40)
        await asyncio.sleep(0.5)
    finally:
        await runtime.stop()

    assert redelivered == [envelope.event_id]
    assert effect_calls == []
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM effects")) == 1
        assert await conn.scalar(sa.text("SELECT count(*) FROM inbox")) == 1
    await engine.dispose()


async def _commit_signals(engine: AsyncEngine, signer: Signer, count: int) -> list[Envelope]:
    """`count` signed governance signals committed to the outbox in one transaction."""
    committed = [make_envelope(governance_signal(f"CAP_{i}"), signer) for i in range(count)]
    async with engine.begin() as conn:
        writer = OutboxWriter(conn)
        for env in committed:
            writer.add(Outgoing("governance.signals", env.data["scope"], env))
        await writer.flush()
    return committed


async def test_outbox_relay_killed_mid_batch_publishes_every_committed_row_and_nothing_uncommitted(
    mesh, keys_dir: Path, database_url: str
) -> None:
    settings = mesh(Principal.CONSOLE)
    schema = await _schema(database_url)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    engine = create_engine(database_url, schema)
    committed = await _commit_signals(engine, console, 600)
    rolled_back = make_envelope(governance_signal("NEVER"), console)
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            writer = OutboxWriter(conn)
            writer.add(Outgoing("governance.signals", "NEVER", rolled_back))
            await writer.flush()
            raise RuntimeError("abort the transaction")

    topic = settings.kafka_topic("governance.signals")
    # 100 ms per batch of 40: 15 batches take 1.5 s, so the kill lands mid-way.
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.procs", "relay", schema, "40", "100"],
        cwd=ROOT,
        env=_env(settings),
    )
    try:
        await drain(settings.kafka_bootstrap, topic, until=lambda r: len(r) >= 120, timeout_s=60)
    finally:
        proc.kill()
        proc.wait()
    async with engine.connect() as conn:
        left = await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    assert left > 0, "the relay finished before it could be killed mid-way"

    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.integration.procs", "relay", schema, "40"],
        cwd=ROOT,
        env=_env(settings),
    )
    try:
        records = await drain(
            settings.kafka_bootstrap,
            topic,
            until=lambda r: {x.key for x in r} >= {e.data["scope"].encode() for e in committed},
            timeout_s=60,
        )
    finally:
        proc.kill()
        proc.wait()
    seen = [UUID(__import__("json").loads(r.value)["event_id"]) for r in records]
    assert set(seen) == {e.event_id for e in committed}
    assert rolled_back.event_id not in seen
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT count(*) FROM outbox")) == 600
    await engine.dispose()


class _FailingOnce(MeshProducer):
    """A producer whose first publish fails the way a broker outage does."""

    failed = False

    async def send_raw(self, items) -> None:  # type: ignore[no-untyped-def]
        if not self.failed:
            self.failed = True
            raise RetryableError("broker unreachable")
        await super().send_raw(items)


async def test_outbox_relay_recovers_from_a_failed_publish_and_leaves_no_lock_behind(
    mesh, keys_dir: Path, database_url: str
) -> None:
    settings = mesh(Principal.CONSOLE)
    schema = await _schema(database_url)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    engine = create_engine(database_url, schema)
    committed = await _commit_signals(engine, console, 10)
    producer = _FailingOnce(settings, ["governance.signals"])
    await producer.start()
    relay = OutboxRelay(engine, producer, "test", poll_interval_s=0.05)
    task = asyncio.create_task(relay.run())
    try:
        records = await drain(
            settings.kafka_bootstrap,
            settings.kafka_topic("governance.signals"),
            until=lambda r: len(r) >= len(committed),
            timeout_s=30,
        )
        assert producer.failed
        assert {UUID(json.loads(r.value)["event_id"]) for r in records} == {
            e.event_id for e in committed
        }
        for _ in range(200):
            if await _unpublished(engine) == 0:
                break
            await asyncio.sleep(0.05)
        assert await _unpublished(engine) == 0
    finally:
        await relay.stop()
        await task
        await producer.stop()
    # The relay's connections are back in the pool, still open: none may keep the lock,
    # or a relay reconnecting on another pooled connection would wait on it for ever.
    other = create_engine(database_url, schema)
    async with other.connect() as conn:
        got = await conn.scalar(
            sa.text("SELECT pg_try_advisory_lock(hashtext('govmesh.outbox.' || current_schema()))")
        )
        await conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
    assert got is True
    await other.dispose()
    await engine.dispose()


async def _unpublished(engine) -> int:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        return int(
            await conn.scalar(sa.text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        )


class _Recording(MeshProducer):
    """A producer that records each batch the relay hands it (the broker is not needed)."""

    def __init__(self, settings, topics) -> None:  # type: ignore[no-untyped-def]
        super().__init__(settings, topics)
        self.batches: list[int] = []

    async def send_raw(self, items) -> None:  # type: ignore[no-untyped-def]
        self.batches.append(len(items))


async def _all_published(engine, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await _unpublished(engine):
        assert asyncio.get_running_loop().time() < deadline, "rows left unpublished"
        await asyncio.sleep(0.02)


async def _relay_batches(
    mesh: Any, keys_dir: Path, database_url: str, work: Any, *, linger_s: float, poll_s: float
) -> list[int]:
    """Run a relay while `work(commit)` commits rows (`commit(n)`: n rows, then a wake);
    once every row is published, the sizes of the batches it handed the producer."""
    settings = mesh(Principal.CONSOLE)
    engine = create_engine(database_url, await _schema(database_url))
    console = Signer.load(keys_dir, Principal.CONSOLE)
    producer = _Recording(settings, ["governance.signals"])
    relay = OutboxRelay(engine, producer, "test", poll_interval_s=poll_s, linger_s=linger_s)

    async def commit(rows: int) -> None:
        await _commit_signals(engine, console, rows)
        relay.wake()

    task = asyncio.create_task(relay.run())
    try:
        await work(commit, lambda: _all_published(engine, 10))
        await _all_published(engine, 30)
    finally:
        await relay.stop()
        await task
        await engine.dispose()
    return producer.batches


async def test_outbox_relay_gathers_a_sustained_stream_into_larger_batches(
    mesh, keys_dir: Path, database_url: str
) -> None:
    async def stream(commit, _published) -> None:  # type: ignore[no-untyped-def]
        for _ in range(100):
            await commit(1)
            await asyncio.sleep(0.01)

    batches = await _relay_batches(mesh, keys_dir, database_url, stream, linger_s=0.3, poll_s=0.05)
    assert sum(batches) == 100
    # A row every ~10 ms and a 300 ms linger once the stream is seen: batches of tens.
    assert max(batches) >= 10, batches
    assert len(batches) <= 40, batches


async def test_outbox_relay_holds_back_neither_a_lone_row_nor_a_short_burst(
    mesh, keys_dir: Path, database_url: str
) -> None:
    async def lone_row_then_a_burst(commit, published) -> None:  # type: ignore[no-untyped-def]
        await commit(1)
        await published()
        for _ in range(OutboxRelay.BURST - 1):
            await commit(3)
            await published()

    # A linger far longer than the waits above: holding a batch back fails the test.
    batches = await _relay_batches(
        mesh, keys_dir, database_url, lone_row_then_a_burst, linger_s=30, poll_s=30
    )
    assert batches == [1] + [3] * (OutboxRelay.BURST - 1)


async def test_prune_forgets_only_what_outlived_its_retention(database_url: str) -> None:
    """Published outbox rows after `outbox_keep_s`, inbox ids after `inbox_keep_s`;
    an unpublished row is kept however old, and a backlog goes in bounded batches."""
    schema = await _schema(database_url)
    engine = create_engine(database_url, schema)
    day = "interval '1 day'"
    try:
        async with engine.begin() as conn:
            for label, published, created in [
                ("old-sent", f"now() - 3 * {day}", f"now() - 3 * {day}"),
                ("old-sent-2", f"now() - 3 * {day}", f"now() - 3 * {day}"),
                ("old-sent-3", f"now() - 2 * {day}", f"now() - 2 * {day}"),
                ("recent-sent", "now()", "now()"),
                ("old-unsent", "NULL", f"now() - 30 * {day}"),
            ]:
                await conn.execute(
                    sa.text(
                        "INSERT INTO outbox (event_id, topic, key, value, created_at, "
                        f"published_at) VALUES (gen_random_uuid(), 't', :k, 'x', {created}, "
                        f"{published})"
                    ),
                    {"k": label},
                )
            for label, processed in [
                ("old", f"now() - 10 * {day}"),
                ("older", f"now() - 20 * {day}"),
                ("week", f"now() - 5 * {day}"),
                ("new", "now()"),
            ]:
                await conn.execute(
                    sa.text(
                        "INSERT INTO inbox (event_id, topic, processed_at) "
                        f"VALUES (gen_random_uuid(), :t, {processed})"
                    ),
                    {"t": label},
                )
        removed = await prune(engine, outbox_keep_s=86_400, inbox_keep_s=7 * 86_400, batch=2)
        async with engine.connect() as conn:
            outbox_left = (
                (await conn.execute(sa.text("SELECT key FROM outbox ORDER BY key"))).scalars().all()
            )
            inbox_left = (
                (await conn.execute(sa.text("SELECT topic FROM inbox ORDER BY topic")))
                .scalars()
                .all()
            )
        assert removed == {"outbox": 3, "inbox": 2}
        assert outbox_left == ["old-unsent", "recent-sent"]
        assert inbox_left == ["new", "week"]
        assert await prune(engine, outbox_keep_s=86_400, inbox_keep_s=7 * 86_400) == {
            "outbox": 0,
            "inbox": 0,
        }
    finally:
        await engine.dispose()


async def test_the_runtime_prunes_at_start_and_stops_its_pruner(  # type: ignore[no-untyped-def]
    mesh, database_url: str
) -> None:
    schema = await _schema(database_url)
    settings = mesh(
        Principal.EXECUTOR,
        outbox_retention_hours=1,
        inbox_retention_hours=1,
        prune_interval_s=3600,
    )
    engine = create_engine(database_url, schema)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO inbox (event_id, topic, processed_at) "
                    "VALUES (gen_random_uuid(), 'gone', now() - interval '2 hours'), "
                    "(gen_random_uuid(), 'kept', now() - interval '30 minutes')"
                )
            )
        runtime = ServiceRuntime(settings, produces=["jobs.events"], schema=schema)
        await runtime.start()
        try:
            deadline = asyncio.get_running_loop().time() + 15
            while True:
                async with engine.connect() as conn:
                    left = (await conn.execute(sa.text("SELECT topic FROM inbox"))).scalars().all()
                if left == ["kept"]:
                    break
                assert asyncio.get_running_loop().time() < deadline, f"inbox still {left}"
                await asyncio.sleep(0.1)
        finally:
            await asyncio.wait_for(runtime.stop(), 15)
    finally:
        await engine.dispose()


_PID = RawStatement.of(sa.text("SELECT pg_backend_pid() AS pid"))


async def test_raw_statement_on_a_connection_the_server_ended_is_transient_and_not_reused(
    database_url: str,
) -> None:
    engine = create_engine(database_url, await _schema(database_url), pool_size=1)
    try:
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            (row,) = await _PID.fetch(autocommit, {})
            killed = row["pid"]
            admin = await asyncpg.connect(database_url)
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", killed)
            finally:
                await admin.close()
            # Once the client has read the end of the stream (as a pooled connection
            # would have by the time it is used again), not in the middle of the close.
            driver = (await autocommit.get_raw_connection()).driver_connection
            await wait_until(driver.is_closed)
            with pytest.raises(Exception) as refused:
                await _PID.fetch(autocommit, {})
            assert is_transient(refused.value)
        # The only pooled connection was the dead one: the next checkout must be new.
        async with engine.connect() as conn:
            autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
            (row,) = await _PID.fetch(autocommit, {})
            assert row["pid"] != killed
    finally:
        await engine.dispose()

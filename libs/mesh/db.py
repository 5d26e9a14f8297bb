"""PostgreSQL access: engines bound to a service schema, the inbox and the outbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast
from uuid import UUID

import asyncpg
import sqlalchemy as sa
import structlog
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.compiler import SQLCompiler

from govmesh.mesh import metrics
from govmesh.mesh.codec import Delivery
from govmesh.mesh.errors import GovmeshError, PermanentError, RetryableError
from govmesh.mesh.kafka import MeshProducer, Outgoing

log = structlog.get_logger(__name__)

metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("value", sa.LargeBinary, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("published_at", sa.DateTime(timezone=True)),
)


def async_url(url: str) -> str:
    """Accept plain `postgresql://` URLs (as embedded PostgreSQL prints them)."""
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise PermanentError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


def create_engine(
    url: str, schema: str, *, pool_size: int = 10, role: str | None = None
) -> AsyncEngine:
    """An engine whose connections work inside `schema` (search_path), as `role` if given.

    The role is set for the whole session at connect time, so every statement — the
    service's, its inbox and outbox, its triggers — runs with that role's privileges only.
    The pool keeps up to `pool_size` connections open and opens no more: an overflow
    connection is closed when it is returned, and under a burst of concurrent requests
    the service kept opening and closing them (a new server process each).
    """
    server_settings = {"search_path": schema}
    if role is not None:
        server_settings["role"] = role
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=0,
        # No ping before each checkout: it is a round trip on every transaction. A
        # connection the server dropped fails its first statement instead, which is a
        # transient error (`is_transient`) the caller retries, and is then replaced.
        pool_pre_ping=False,
        connect_args={"server_settings": server_settings},
    )


_TRANSIENT_STATES = frozenset({"40001", "40P01", "57P01", "57P03", "08006", "08003"})


def is_transient(exc: BaseException) -> bool:
    """Connection loss and serialization conflicts are worth a retry; bad SQL is not.

    Errors raised through SQLAlchemy and raised by asyncpg itself (`RawStatement`) are
    judged alike.
    """
    if isinstance(exc, OperationalError | InterfaceError | asyncpg.InterfaceError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return exc.sqlstate in _TRANSIENT_STATES
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(
            getattr(exc.orig, "__cause__", None), "sqlstate", None
        )
        return code in _TRANSIENT_STATES
    return isinstance(exc, OSError | ConnectionError | asyncio.TimeoutError)


_ASYNCPG: Dialect = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class RawStatement:
    """A hot-path statement run by asyncpg itself, compiled by SQLAlchemy once.

    SQLAlchemy's work around one execution (bind processing, the execution context, the
    result) cost ~0.4 ms of CPU here, several times asyncpg's own for the same statement.
    Only for connections in autocommit mode: the statement runs on the driver connection
    beneath, outside anything SQLAlchemy would begin. asyncpg's errors come through as
    they are (`is_transient` judges them).
    """

    sql: str
    names: tuple[str, ...]

    @classmethod
    def of(cls, statement: sa.ClauseElement) -> RawStatement:
        compiled = cast(SQLCompiler, statement.compile(dialect=_ASYNCPG))
        return cls(compiled.string, tuple(compiled.positiontup or ()))

    async def fetch(
        self, autocommit: AsyncConnection, params: Mapping[str, object]
    ) -> list[asyncpg.Record]:
        raw = await autocommit.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        try:
            records: list[asyncpg.Record] = await driver.fetch(
                self.sql, *(params[name] for name in self.names)
            )
        except BaseException:
            # SQLAlchemy did not see the failure: a connection the server ended would go
            # back to the pool and fail the next checkout too.
            if driver.is_closed():
                await autocommit.invalidate()
            raise
        return records


# Built once, for every batch of every consumer: one row per element of the arrays.
_CLAIM_INBOX = sa.text(
    """
    INSERT INTO inbox (event_id, topic)
    SELECT * FROM unnest(CAST(:event_ids AS uuid[]), CAST(:topics AS text[]))
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)
# The rows keep the writer's order: the outbox id is the order they are published in.
_ADD_OUTBOX = sa.text(
    """
    INSERT INTO outbox (event_id, topic, key, value)
    SELECT event_id, topic, key, value FROM unnest(
        CAST(:event_ids AS uuid[]), CAST(:topics AS text[]), CAST(:keys AS text[]),
        CAST(:values AS bytea[])
    ) WITH ORDINALITY AS o(event_id, topic, key, value, position)
    ORDER BY position
    ON CONFLICT DO NOTHING
    """
)


async def claim_inbox(conn: AsyncConnection, deliveries: Sequence[Delivery]) -> list[Delivery]:
    """Record event ids as processed; return only the deliveries not seen before."""
    if not deliveries:
        return []
    result = await conn.execute(
        _CLAIM_INBOX,
        {
            "event_ids": [d.envelope.event_id for d in deliveries],
            "topics": [d.topic for d in deliveries],
        },
    )
    fresh: set[UUID] = {row[0] for row in result}
    seen: set[UUID] = set()
    out = []
    for delivery in deliveries:
        event_id = delivery.envelope.event_id
        if event_id in fresh and event_id not in seen:
            seen.add(event_id)
            out.append(delivery)
    return out


@dataclass
class OutboxWriter:
    """Collects outgoing messages inside the caller's transaction."""

    conn: AsyncConnection
    pending: list[Outgoing] = field(default_factory=list)

    def add(self, item: Outgoing) -> None:
        self.pending.append(item)

    async def flush(self) -> int:
        if not self.pending:
            return 0
        await self.conn.execute(
            _ADD_OUTBOX,
            {
                "event_ids": [o.envelope.event_id for o in self.pending],
                "topics": [o.topic for o in self.pending],
                "keys": [o.key for o in self.pending],
                "values": [o.envelope.to_bytes() for o in self.pending],
            },
        )
        count = len(self.pending)
        self.pending = []
        return count


TxHandler = Callable[[AsyncConnection, list[Delivery], OutboxWriter], Awaitable[None]]


def by_topic(handlers: Mapping[str, TxHandler]) -> TxHandler:
    """One handler over several topics: each topic's deliveries, in batch order, to its own."""

    async def handle(conn: AsyncConnection, batch: list[Delivery], outbox: OutboxWriter) -> None:
        for name, handler in handlers.items():
            mine = [d for d in batch if d.topic == name]
            if mine:
                await handler(conn, mine, outbox)

    return handle


#: Called by the relay with the (topic, key) of each row the broker acknowledged, once
#: they are marked sent, on the relay's connection (autocommit: each statement commits on
#: its own). What a hook records may be lost in a crash: record only what the service
#: also recovers another way (see `OutboxRelay.publish_once`).
PublishedHook = Callable[[AsyncConnection, list[tuple[str, str]]], Awaitable[None]]


class Transactional:
    """A batch handler running inbox + state + outbox in one database transaction.

    `relevant`, when given, says which deliveries can change anything: the others are
    passed over without a transaction (and a batch of only those opens none).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        handler: TxHandler,
        relay: OutboxRelay | None = None,
        *,
        relevant: Callable[[Delivery], bool] | None = None,
    ):
        self._engine = engine
        self._handler = handler
        self._relay = relay
        self._relevant = relevant

    async def __call__(self, deliveries: list[Delivery]) -> None:
        if self._relevant is not None:
            deliveries = [d for d in deliveries if self._relevant(d)]
            if not deliveries:
                return
        wrote = 0
        try:
            async with self._engine.begin() as conn:
                fresh = await claim_inbox(conn, deliveries)
                if fresh:
                    writer = OutboxWriter(conn)
                    await self._handler(conn, fresh, writer)
                    wrote = await writer.flush()
        except GovmeshError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise RetryableError(f"database: {exc!r}") from exc
            raise PermanentError(f"handler failed: {exc!r}") from exc
        if wrote and self._relay is not None:
            self._relay.wake()


async def _release_lock(conn: AsyncConnection) -> None:
    """The pool keeps the session (and a session advisory lock) of a returned connection:
    let the lock go with it, or a reconnecting relay could wait on its own old lock."""
    with contextlib.suppress(Exception):
        await conn.rollback()
        await conn.execute(sa.text("RESET synchronous_commit"))
        await conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
        await conn.commit()


# Built once: the relay runs them for every batch it publishes.
_UNSENT = RawStatement.of(
    sa.select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value)
    .where(outbox.c.published_at.is_(None))
    .order_by(outbox.c.id)
    .limit(sa.bindparam("limit"))
)
_MARK_SENT = RawStatement.of(
    sa.update(outbox)
    .where(outbox.c.id == sa.any_(sa.bindparam("ids", type_=ARRAY(sa.BigInteger))))
    .values(published_at=sa.func.now())
)


class OutboxRelay:
    """Publishes committed outbox rows in order, marks them sent; at least once.

    Only one relay per schema publishes at a time (a session advisory lock), so rows
    of one key leave in commit order; a stand-by replica takes over when it dies.

    A woken relay publishes at once. A batch costs its read, publish and mark whatever
    its size, so in a sustained stream — more than `BURST` wakes in a row, each within
    `linger_s` of the batch before — the relay lets the next batch start no sooner than
    `linger_s` after the last one, so it carries more rows. A short burst (the few
    transactions of one job) is not held back.
    """

    BURST = 3

    def __init__(
        self,
        engine: AsyncEngine,
        producer: MeshProducer,
        service: str,
        *,
        batch: int = 500,
        poll_interval_s: float = 0.25,
        linger_s: float = 0.0,
    ):
        self._engine = engine
        self._producer = producer
        self._service = service
        self._batch = batch
        self._poll = poll_interval_s
        self._linger = linger_s
        self._streak = 0
        self._published_at = 0.0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._after_publish: PublishedHook | None = None

    def after_publish(self, hook: PublishedHook) -> None:
        """Run `hook` on what each batch published, once it is marked sent."""
        self._after_publish = hook

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                async with self._engine.connect() as conn:
                    try:
                        await self._hold_lock(conn)
                        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                        while not self._stopping.is_set():
                            sent = await self.publish_once(autocommit)
                            backoff = 0.1
                            if sent >= self._batch:
                                continue
                            if sent:
                                self._published_at = asyncio.get_running_loop().time()
                            await self._idle()
                            await self._gather()
                    finally:
                        await _release_lock(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not (isinstance(exc, RetryableError) or is_transient(exc)):
                    log.error("outbox.relay_error", service=self._service, error=repr(exc))
                metrics.RETRIES.labels(f"relay:{self._service}").inc()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _hold_lock(self, conn: AsyncConnection) -> None:
        """Take the relay lock for this session; its marks then skip the WAL flush wait."""
        while not self._stopping.is_set():
            got = await conn.scalar(
                sa.text(
                    "SELECT pg_try_advisory_lock(hashtext('govmesh.outbox.' || current_schema()))"
                )
            )
            if got:
                await conn.execute(sa.text("SET synchronous_commit = off"))
            await conn.commit()
            if got:
                return
            await asyncio.sleep(1.0)

    async def _gather(self) -> None:
        """In a sustained stream, let rows gather until `linger_s` after the last batch."""
        since = asyncio.get_running_loop().time() - self._published_at
        self._streak = self._streak + 1 if since < self._linger else 0
        if self._streak > self.BURST:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._linger - since)

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._poll)
        self._wake.clear()

    async def publish_once(self, conn: AsyncConnection) -> int:
        """Publish one batch of unsent rows on `conn` (holding the lock); return how many.

        `conn` is in autocommit mode: the read, the mark and the `after_publish` hook are
        a statement each, with no BEGIN and COMMIT round trips around them. The rows are
        marked sent only after the broker acknowledged them, and the marks do not wait
        for the WAL flush (`_hold_lock`): should the relay or the database crash before
        a mark is durable, its rows are published again, which at-least-once delivery
        allows (consumers drop repeated event ids in their inbox). The hook runs after
        the mark and may likewise be lost, so it may only record what the service also
        recovers another way.
        """
        rows = await _UNSENT.fetch(conn, {"limit": self._batch})
        if not rows:
            metrics.OUTBOX_PENDING.labels(self._service).set(0)
            return 0
        await self._producer.send_raw([(r["topic"], r["key"], r["value"]) for r in rows])
        await _MARK_SENT.fetch(conn, {"ids": [r["id"] for r in rows]})
        if self._after_publish is not None:
            await self._after_publish(conn, [(r["topic"], r["key"]) for r in rows])
        return len(rows)


# Retention: what the runtime tables may forget, a bounded batch per transaction so that
# a long backlog never holds locks or a snapshot for long. The cut-offs are the
# database's clock, like the timestamps they compare.
_PRUNE_OUTBOX = sa.text(
    """
    DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox
        WHERE published_at < now() - make_interval(secs => :keep_s)
        ORDER BY id LIMIT :limit
    )
    """
)
_PRUNE_INBOX = sa.text(
    """
    DELETE FROM inbox WHERE event_id IN (
        SELECT event_id FROM inbox
        WHERE processed_at < now() - make_interval(secs => :keep_s)
        LIMIT :limit
    )
    """
)
PRUNE_BATCH = 5000


async def prune(
    engine: AsyncEngine,
    *,
    outbox_keep_s: float,
    inbox_keep_s: float,
    batch: int = PRUNE_BATCH,
) -> dict[str, int]:
    """Delete outbox rows published, and inbox ids processed, longer ago than kept.

    An unpublished outbox row is never deleted, however old. Returns how many rows each
    table lost.
    """
    removed = {"outbox": 0, "inbox": 0}
    for table, statement, keep_s in (
        ("outbox", _PRUNE_OUTBOX, outbox_keep_s),
        ("inbox", _PRUNE_INBOX, inbox_keep_s),
    ):
        while True:
            async with engine.begin() as conn:
                result = await conn.execute(statement, {"keep_s": keep_s, "limit": batch})
            removed[table] += result.rowcount
            if result.rowcount < batch:
                break
    return removed


class Pruner:
    """Keeps a service's outbox and inbox from growing for ever (`prune`, every interval).

    Replicas may prune at the same time: a row is deleted once, the other waits for it.
    A failed round is logged and tried again at the next interval.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        service: str,
        *,
        outbox_keep_s: float,
        inbox_keep_s: float,
        interval_s: float,
    ) -> None:
        self._engine = engine
        self._service = service
        self._outbox_keep_s = outbox_keep_s
        self._inbox_keep_s = inbox_keep_s
        self._interval_s = interval_s
        self._stopping = asyncio.Event()

    async def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                removed = await prune(
                    self._engine,
                    outbox_keep_s=self._outbox_keep_s,
                    inbox_keep_s=self._inbox_keep_s,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("prune.failed", service=self._service, error=repr(exc))
            else:
                for table, count in removed.items():
                    metrics.PRUNED.labels(self._service, table).inc(count)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval_s)

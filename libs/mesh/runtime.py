"""Composition root helpers: one `ServiceRuntime` per service process.

It owns the keys, the producer (the principal's declared topics plus its DLQ), the
consumers, the optional database engine with its outbox relay and its pruner, and runs
them beside the HTTP app until SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from typing import Any
from uuid import UUID

import structlog
import uvicorn
import uvloop
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.db import OutboxRelay, Pruner, Transactional, TxHandler, create_engine
from govmesh.mesh.kafka import BatchHandler, MeshConsumer, MeshProducer, fold_by_topic
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import Envelope, dlq_topic
from govmesh.schemas.common import Message

log = structlog.get_logger(__name__)


# The young generation's collection threshold in service processes (CPython's default
# is 700): see `tune_gc`.
GC_YOUNG_THRESHOLD = 10_000


def run(main: Coroutine[Any, Any, None]) -> None:
    """Run a service process's `main` on uvloop, with the collector tuned (`tune_gc`).

    Every service runs its event loop on uvloop and serves HTTP with httptools
    (`ServiceRuntime.http_config`): on this workload each costs a fraction of the CPU of
    the pure-Python loop and h11 parser, and CPU is what bounds the mesh (decision D-008).
    """
    tune_gc()
    uvloop.run(main)


def tune_gc() -> None:
    """Keep the cyclic garbage collector from costing a service a tenth of its CPU.

    A service allocates and frees many container objects per message (models, dicts,
    statements); almost all are freed by reference counting, yet each 700 allocations
    start a collection, and every tenth of those is older and longer. Measured on the
    ingest service under `bench/ingest_http.py`: about 0.13 ms of its ~1 ms per event.
    What was loaded and built before serving is moved out of the collector's sight
    (`gc.freeze`), and the young generation is collected after `GC_YOUNG_THRESHOLD`
    surviving allocations instead of 700; cycles are still found, a little later
    (decision D-009).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


class _Server(uvicorn.Server):
    """uvicorn re-raises the signal it caught after its own shutdown, which would kill the
    process before the runtime stops its consumers, relay and producer. Swallow it here:
    `serve` stops the runtime and returns, so SIGTERM/SIGINT end the process cleanly."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()


class ServiceRuntime:
    def __init__(
        self,
        settings: MeshSettings,
        *,
        produces: Sequence[str],
        consumes: Sequence[str] = (),
        schema: str | None = None,
    ):
        self.settings = settings
        self.signer = Signer.load(settings.keys_dir, settings.principal)
        self.trust = TrustStore.load(settings.keys_dir)
        topics = list(produces)
        if consumes:
            topics.append(dlq_topic(settings.principal))
        self.producer = MeshProducer(settings, topics)
        self.engine: AsyncEngine | None = None
        self.relay: OutboxRelay | None = None
        self.pruner: Pruner | None = None
        if schema is not None:
            self.engine = create_engine(
                settings.require_database(), schema, role=settings.database_role()
            )
            self.relay = OutboxRelay(
                self.engine,
                self.producer,
                settings.principal.value,
                linger_s=settings.outbox_linger_ms / 1000,
            )
            self.pruner = Pruner(
                self.engine,
                settings.principal.value,
                outbox_keep_s=settings.outbox_retention_hours * 3600,
                inbox_keep_s=settings.inbox_retention_hours * 3600,
                interval_s=settings.prune_interval_s,
            )
        self.consumers: list[MeshConsumer] = []
        self._tasks: list[asyncio.Task[None]] = []

    def envelope(
        self,
        message: Message,
        *,
        cause: Envelope | None = None,
        event_id: UUID | None = None,
        correlation_id: UUID | None = None,
        input_digest: str | None = None,
    ) -> Envelope:
        return make_envelope(
            message,
            self.signer,
            cause=cause,
            event_id=event_id,
            correlation_id=correlation_id,
            input_digest=input_digest,
        )

    def consumer(
        self, topics: Sequence[str], group_id: str | None, handler: BatchHandler
    ) -> MeshConsumer:
        consumer = MeshConsumer(
            self.settings,
            topics=topics,
            group_id=group_id,
            handler=handler,
            trust=self.trust,
            signer=self.signer,
            dlq=self.producer,
        )
        self.consumers.append(consumer)
        return consumer

    def views(self, folds: Mapping[str, BatchHandler]) -> MeshConsumer:
        """One group-less consumer feeding in-memory views, each topic to its own fold.

        A service reading several compacted topics into views fetches them all in one
        consumer: one fetch loop instead of one per topic (fetches cost the broker and the
        service CPU even when idle). Each fold gets its topic's deliveries of a batch, in
        order; `caught_up` is set once every topic has been read to its start-up end.
        """
        return self.consumer(list(folds), None, fold_by_topic(folds))

    def transactional(
        self, handler: TxHandler, *, relevant: Callable[[Delivery], bool] | None = None
    ) -> Transactional:
        if self.engine is None:
            raise RuntimeError("a transactional handler needs a database schema")
        return Transactional(self.engine, handler, self.relay, relevant=relevant)

    async def start(self) -> None:
        await self.producer.start()
        if self.relay is not None:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.pruner is not None:
            self._tasks.append(asyncio.create_task(self.pruner.run(), name="pruner"))
        for consumer in self.consumers:
            await consumer.start()
            self._tasks.append(
                asyncio.create_task(consumer.run(), name=f"consumer-{consumer.name}")
            )

    async def stop(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.pruner is not None:
            await self.pruner.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.producer.stop()
        if self.engine is not None:
            await self.engine.dispose()

    def http_config(self, app: FastAPI) -> uvicorn.Config:
        """The HTTP server of every service: uvicorn with the httptools parser (see `run`)."""
        return uvicorn.Config(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_level="warning",
            lifespan="on",
            http="httptools",
        )

    async def serve(self, app: FastAPI) -> None:
        """Run the HTTP app beside the consumers until uvicorn sees SIGINT/SIGTERM."""
        server = _Server(self.http_config(app))
        await self.start()
        try:
            await server.serve()
        finally:
            await self.stop()

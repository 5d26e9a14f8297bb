"""Producer and consumer on aiokafka, bound to a principal's rights in the topic registry."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition

from govmesh.mesh import metrics
from govmesh.mesh.codec import Delivery, decode, make_envelope
from govmesh.mesh.errors import (
    AuthorityError,
    GovmeshError,
    PermanentError,
    Rejected,
    RetryableError,
)
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import TOPICS, DeadLetter, Envelope, Principal, dlq_topic, topic

log = structlog.get_logger(__name__)

BatchHandler = Callable[[list[Delivery]], Awaitable[None]]


def fold_by_topic(folds: Mapping[str, BatchHandler]) -> BatchHandler:
    """One batch handler feeding each topic's deliveries, in order, to that topic's fold."""

    async def dispatch(batch: list[Delivery]) -> None:
        for name, fold in folds.items():
            mine = [d for d in batch if d.topic == name]
            if mine:
                await fold(mine)

    return dispatch


def check_can_produce(principal: Principal, topics: Iterable[str]) -> None:
    """Refuse, at start-up, to produce where the registry does not allow this principal."""
    for name in topics:
        if name not in TOPICS:
            raise AuthorityError(f"topic {name!r} is not in the topic registry")
        spec = TOPICS[name]
        if principal not in spec.producers:
            raise AuthorityError(
                f"principal {principal.value!r} is not registered to produce to {name!r} "
                f"(producers: {sorted(p.value for p in spec.producers)})"
            )


def check_can_consume(principal: Principal, topics: Iterable[str]) -> None:
    """Refuse, at start-up, to consume where the registry does not allow this principal."""
    for name in topics:
        if name not in TOPICS:
            raise AuthorityError(f"topic {name!r} is not in the topic registry")
        spec = TOPICS[name]
        if principal not in spec.consumers:
            raise AuthorityError(
                f"principal {principal.value!r} is not registered to consume {name!r} "
                f"(consumers: {sorted(p.value for p in spec.consumers)})"
            )


@dataclass(frozen=True)
class Outgoing:
    """One message ready to publish: logical topic, key and signed envelope."""

    topic: str
    key: str
    envelope: Envelope


class MeshProducer:
    """Publishes signed envelopes to the topics the principal may write, waiting for acks."""

    def __init__(self, settings: MeshSettings, topics: Sequence[str]):
        check_can_produce(settings.principal, topics)
        self._settings = settings
        self._topics = frozenset(topics)
        self._producer: AIOKafkaProducer | None = None

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(
            **self._settings.kafka_client_options(),
            acks="all",
            enable_idempotence=False,
            # No lingering: a caller hands over a whole batch at once (the relay, a
            # handler's outputs), so waiting for more would only add latency per hop.
            linger_ms=0,
            request_timeout_ms=15_000,
        )
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send_many(self, items: Sequence[Outgoing]) -> None:
        """Send all, then wait for every ack; order per key is kept by the partitioner."""
        await self.send_raw([(i.topic, i.key, i.envelope.to_bytes()) for i in items])

    async def send_raw(self, items: Sequence[tuple[str, str, bytes]]) -> None:
        """Publish already-encoded envelopes (the outbox relay's path)."""
        if not items:
            return
        producer = self._require()
        futures = []
        for logical, key, value in items:
            if logical not in self._topics:
                raise AuthorityError(
                    f"{self._settings.principal.value!r} did not declare {logical!r} at start-up"
                )
            futures.append(
                await producer.send(
                    self._settings.kafka_topic(logical), key=key.encode(), value=value
                )
            )
        try:
            await asyncio.gather(*futures)
        except KafkaError as exc:
            raise RetryableError(f"publish failed: {exc!r}") from exc
        for logical, _, _ in items:
            metrics.PRODUCED.labels(self._settings.principal.value, logical).inc()

    async def send(self, item: Outgoing) -> None:
        await self.send_many([item])

    def _require(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("producer not started")
        return self._producer


class MeshConsumer:
    """Consume pipeline: parse -> schema -> authority -> signature -> handler, in batches.

    A fetched batch is verified, the good messages are handled together and the offsets
    are committed only after the handler returned (at least once). Refused messages go to
    the principal's DLQ with the original bytes and the reason; the loop moves on.

    With `group_id=None` the consumer reads every partition from the beginning and
    commits nothing: the shape of an in-memory view of a compacted topic. `caught_up`
    is set once it has read up to the end offsets seen at start-up.
    """

    def __init__(
        self,
        settings: MeshSettings,
        *,
        topics: Sequence[str],
        group_id: str | None,
        handler: BatchHandler,
        trust: TrustStore,
        signer: Signer,
        dlq: MeshProducer,
        max_backoff_s: float = 5.0,
    ):
        check_can_consume(settings.principal, topics)
        self._settings = settings
        self._topics = list(topics)
        self._group_id = group_id
        self._handler = handler
        self._trust = trust
        self._signer = signer
        self._dlq = dlq
        self._dlq_topic = dlq_topic(settings.principal)
        self._max_backoff = max_backoff_s
        self._consumer: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self._by_broker_name = {settings.kafka_topic(t): t for t in topics}
        self.assigned = asyncio.Event()
        self.caught_up = asyncio.Event()
        self._targets: dict[Any, int] | None = None

    @property
    def name(self) -> str:
        return self._settings.principal.value

    @property
    def topics(self) -> tuple[str, ...]:
        """The logical topics this consumer reads."""
        return tuple(self._topics)

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            *self._by_broker_name,
            **self._settings.kafka_client_options(),
            group_id=(f"{self._settings.topic_prefix}{self._group_id}" if self._group_id else None),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self._settings.fetch_wait_ms(work=self._group_id is not None),
            max_poll_records=self._settings.max_batch,
            session_timeout_ms=10_000,
            heartbeat_interval_ms=1_000,
        )
        await self._consumer.start()
        if self._group_id is None:
            partitions = [
                tp for name in self._by_broker_name for tp in _partitions(self._consumer, name)
            ]
            self._targets = await self._consumer.end_offsets(partitions)

    async def stop(self) -> None:
        self._stopping.set()
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None

    async def run(self) -> None:
        """Consume until `stop()`; transient failures back off (capped) without committing."""
        backoff = 0.1
        while not self._stopping.is_set():
            try:
                if self._consumer is None:
                    await self.start()
                await self._poll_once()
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except (RetryableError, KafkaError, OSError) as exc:
                metrics.RETRIES.labels(f"consumer:{self.name}").inc()
                log.warning("consumer.retry", consumer=self.name, error=repr(exc), backoff=backoff)
                await self._recreate_on_fatal(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)

    async def _recreate_on_fatal(self, exc: BaseException) -> None:
        if isinstance(exc, KafkaError) and self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            with contextlib.suppress(KafkaError):
                await consumer.stop()

    async def _poll_once(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        batches = await consumer.getmany(timeout_ms=200, max_records=self._settings.max_batch)
        if consumer.assignment():
            self.assigned.set()
        if not batches:
            await self._check_caught_up(consumer)
            return
        good: list[Delivery] = []
        refused: list[tuple[Any, Rejected]] = []
        for tp, records in batches.items():
            logical = self._by_broker_name[tp.topic]
            end = consumer.highwater(tp)
            if end is not None and records:
                # The end offset the fetch reported, less the position after this batch.
                lag = max(end - records[-1].offset - 1, 0)
                metrics.CONSUMER_LAG.labels(self.name, logical, str(tp.partition)).set(lag)
            spec = topic(logical)
            for record in records:
                try:
                    envelope, message = decode(record.value, spec, self._trust)
                except Rejected as rejected:
                    refused.append((record, rejected))
                    continue
                good.append(
                    Delivery(
                        logical, record.partition, record.offset, record.key, envelope, message
                    )
                )
        try:
            if refused:
                await self._dead_letter(refused)
            if good:
                with metrics.HANDLER_SECONDS.labels(self.name).time():
                    await self._handle(good)
                for delivery in good:
                    metrics.CONSUMED.labels(self.name, delivery.topic).inc()
            if self._group_id is not None:
                await consumer.commit()
        except (RetryableError, KafkaError, OSError):
            # The batch was not (completely) handled: fetch it again on the retry instead
            # of moving past it; the inbox makes the part already handled a no-op.
            _rewind(consumer, {tp: records[0].offset for tp, records in batches.items() if records})
            raise
        await self._check_caught_up(consumer)

    async def _check_caught_up(self, consumer: AIOKafkaConsumer) -> None:
        if self.caught_up.is_set():
            return
        if self._targets is None:
            if self.assigned.is_set():
                self.caught_up.set()
            return
        for tp, end in self._targets.items():
            if end > 0 and await consumer.position(tp) < end:
                return
        self.caught_up.set()

    async def _call(self, deliveries: list[Delivery]) -> None:
        try:
            await self._handler(deliveries)
        except GovmeshError:
            raise
        except Exception as exc:
            raise PermanentError(f"handler failed: {exc!r}") from exc

    async def _handle(self, deliveries: list[Delivery]) -> None:
        try:
            await self._call(deliveries)
            return
        except PermanentError as exc:
            if len(deliveries) == 1:
                await self._dead_letter([(deliveries[0], _as_rejected(exc, deliveries[0]))])
                return
        # Isolate the poison message: one by one, dead-letter only what keeps failing.
        for delivery in deliveries:
            try:
                await self._call([delivery])
            except PermanentError as exc:
                await self._dead_letter([(delivery, _as_rejected(exc, delivery))])

    async def _dead_letter(self, items: list[tuple[Any, Rejected]]) -> None:
        outgoing = []
        for item, rejected in items:
            logical = item.topic if isinstance(item, Delivery) else self._by_broker_name[item.topic]
            value = item.envelope.to_bytes() if isinstance(item, Delivery) else item.value
            letter = DeadLetter(
                consumer=self.name,
                original_topic=logical,
                partition=item.partition,
                offset=item.offset,
                original_key_b64=base64.b64encode(item.key).decode() if item.key else None,
                original_value_b64=base64.b64encode(value).decode() if value is not None else None,
                reason=rejected.reason,
                check=rejected.check,
                detail=rejected.detail[:2000],
                claimed_producer=rejected.claimed_producer,
                refused_at=datetime.now(UTC),
            )
            key = item.key.decode(errors="replace") if item.key else ""
            outgoing.append(Outgoing(self._dlq_topic, key, make_envelope(letter, self._signer)))
            metrics.DEAD_LETTERS.labels(self.name, rejected.reason).inc()
            if rejected.check in ("authority", "signature"):
                metrics.AUTHORITY_VIOLATIONS.labels(
                    logical, rejected.claimed_producer or "unknown"
                ).inc()
            log.warning(
                "consumer.dead_letter",
                consumer=self.name,
                topic=logical,
                reason=rejected.reason,
                detail=rejected.detail[:200],
            )
        await self._dlq.send_many(outgoing)


def _as_rejected(exc: PermanentError, delivery: Delivery) -> Rejected:
    if isinstance(exc, Rejected):
        return exc
    return Rejected("handler", type(exc).__name__, str(exc), delivery.envelope.producer.value)


def _rewind(consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    """Seek back to where a batch began (partitions lost in a rebalance are skipped)."""
    assigned = consumer.assignment()
    for tp, offset in offsets.items():
        if tp in assigned:
            consumer.seek(tp, offset)


def _partitions(consumer: AIOKafkaConsumer, topic_name: str) -> list[TopicPartition]:
    return [
        TopicPartition(topic_name, p)
        for p in sorted(consumer.partitions_for_topic(topic_name) or [])
    ]

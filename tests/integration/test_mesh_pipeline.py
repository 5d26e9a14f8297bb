"""The consume pipeline on a real broker: every refusal has its own reason, nothing stalls."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from govmesh.mesh import metrics
from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.errors import RetryableError
from govmesh.mesh.kafka import MeshConsumer, MeshProducer
from govmesh.mesh.signing import Signer, TrustStore, generate_keys
from govmesh.schemas import IssueAccepted, Principal
from tests.integration.helpers import drain, governance_signal, produce_raw, values, wait_until

pytestmark = pytest.mark.integration


async def test_each_refusal_lands_in_dlq_with_its_reason_and_the_next_good_message_is_handled(
    mesh, keys_dir: Path, tmp_path: Path
) -> None:
    settings = mesh(Principal.ELIGIBILITY)
    topic = settings.kafka_topic("governance.signals")
    console = Signer.load(keys_dir, Principal.CONSOLE)
    executor = Signer.load(keys_dir, Principal.EXECUTOR)
    validator = Signer.load(keys_dir, Principal.VALIDATOR)
    rogue_dir = tmp_path / "rogue"
    generate_keys(rogue_dir, [Principal.CONSOLE])
    rogue_console = Signer.load(rogue_dir, Principal.CONSOLE)

    # The consumer trusts every principal except the executor: its messages are
    # "signed by a key not in the trust file".
    trust_dir = tmp_path / "trust"
    trust_dir.mkdir()
    trust = json.loads((keys_dir / "trust.json").read_text())
    del trust["executor"]
    (trust_dir / "trust.json").write_text(json.dumps(trust))

    def good(n: int) -> bytes:
        return make_envelope(governance_signal(f"CAP_{n}"), console).to_bytes()

    unsigned = make_envelope(governance_signal(), console).model_copy(update={"signature": None})
    wrong_type = make_envelope(governance_signal(), console).model_dump(mode="json")
    wrong_type["type"] = IssueAccepted.TYPE
    schema_bad = make_envelope(governance_signal(), console).model_dump(mode="json")
    schema_bad["data"]["signal_type"] = "NOT_A_SIGNAL"
    items = [
        (b"k", good(1)),
        (b"k", b"{not json"),
        (b"k", json.dumps(schema_bad).encode()),
        (b"k", json.dumps(wrong_type).encode()),
        (b"k", make_envelope(governance_signal(), validator).to_bytes()),
        (b"k", make_envelope(governance_signal(), rogue_console).to_bytes()),
        (b"k", unsigned.to_bytes()),
        (b"k", make_envelope(governance_signal(), executor).to_bytes()),
        (b"k", good(2)),
    ]
    await produce_raw(settings.kafka_bootstrap, topic, items)

    handled: list[Delivery] = []

    async def handler(batch: list[Delivery]) -> None:
        handled.extend(batch)

    dlq = MeshProducer(settings, ["eligibility.dlq"])
    await dlq.start()
    consumer = MeshConsumer(
        settings,
        topics=["governance.signals"],
        group_id="pipeline",
        handler=handler,
        trust=TrustStore.load(trust_dir),
        signer=Signer.load(keys_dir, Principal.ELIGIBILITY),
        dlq=dlq,
    )
    before = metrics.DEAD_LETTERS.labels("eligibility", "bad_signature")._value.get()
    task = asyncio.create_task(consumer.run())
    try:
        await wait_until(lambda: len(handled) >= 2, timeout_s=40)
    finally:
        await consumer.stop()
        task.cancel()
        await dlq.stop()

    assert [d.message.scope for d in handled] == ["CAP_1", "CAP_2"]
    letters = values(
        await drain(
            settings.kafka_bootstrap,
            settings.kafka_topic("eligibility.dlq"),
            until=lambda r: len(r) >= 7,
        )
    )
    reasons = [(v["data"]["check"], v["data"]["reason"]) for v in letters]
    assert reasons == [
        ("parse", "not_json"),
        ("schema", "schema_invalid"),
        ("schema", "unknown_type"),
        ("authority", "producer_not_allowed"),
        ("signature", "bad_signature"),
        ("signature", "missing_signature"),
        ("signature", "unknown_key"),
    ]
    assert all(v["producer"] == "eligibility" for v in letters)
    assert letters[0]["data"]["original_value_b64"] is not None
    after = metrics.DEAD_LETTERS.labels("eligibility", "bad_signature")._value.get()
    assert after == before + 1
    shutil.rmtree(rogue_dir)


async def test_broker_rejects_schema_invalid_message_on_a_schema_validated_topic(
    mesh, kafka
) -> None:
    settings = mesh(Principal.VALIDATOR)
    prefix = settings.topic_prefix
    if not kafka.enable_schemas(prefix):
        pytest.skip("this broker has no JSON Schema validation (only the embedded Tansu has)")
    topic = settings.kafka_topic("governance.signals")
    console = Signer.load(settings.keys_dir, Principal.CONSOLE)
    good = make_envelope(governance_signal(), console).to_bytes()
    await produce_raw(settings.kafka_bootstrap, topic, [(b"SYSTEM", good)])
    bad = json.loads(good)
    bad["data"]["signal_type"] = "NOT_A_SIGNAL"
    with pytest.raises(Exception) as excinfo:
        await produce_raw(settings.kafka_bootstrap, topic, [(b"SYSTEM", json.dumps(bad).encode())])
    assert "Error" in type(excinfo.value).__name__


async def test_a_batch_whose_handler_fails_transiently_is_handled_again_not_skipped(
    mesh, keys_dir: Path
) -> None:
    settings = mesh(Principal.ELIGIBILITY)
    console = Signer.load(keys_dir, Principal.CONSOLE)
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("governance.signals"),
        [(b"k", make_envelope(governance_signal(f"CAP_{n}"), console).to_bytes()) for n in (1, 2)],
    )
    attempts: list[list[str]] = []

    async def handler(batch: list[Delivery]) -> None:
        attempts.append([d.message.scope for d in batch])  # type: ignore[attr-defined]
        if len(attempts) == 1:
            raise RetryableError("the database went away")

    await _consume_until(
        settings, keys_dir, "retry", handler, lambda: sum(len(a) for a in attempts[1:]) >= 2
    )
    handled_after_retry = [scope for batch in attempts[1:] for scope in batch]
    assert sorted(handled_after_retry) == ["CAP_1", "CAP_2"]
    assert set(attempts[0]) <= {"CAP_1", "CAP_2"}


async def test_consumer_lag_is_what_remains_behind_the_partition_end_after_each_batch(
    mesh, keys_dir: Path
) -> None:
    settings = mesh(Principal.ELIGIBILITY).model_copy(update={"max_batch": 3})
    console = Signer.load(keys_dir, Principal.CONSOLE)
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("governance.signals"),
        [(b"one-key", make_envelope(governance_signal(f"CAP_{n}"), console).to_bytes())
         for n in range(10)],
    )  # fmt: skip
    seen: list[tuple[int, float | None]] = []

    async def handler(batch: list[Delivery]) -> None:
        labels = {
            "consumer": "eligibility",
            "topic": "governance.signals",
            "partition": str(batch[0].partition),
        }
        seen.append((len(batch), REGISTRY.get_sample_value("govmesh_consumer_lag", labels)))

    await _consume_until(settings, keys_dir, "lag", handler, lambda: sum(n for n, _ in seen) >= 10)
    assert max(n for n, _ in seen) <= 3
    remaining = 10
    for handled, lag in seen:
        remaining -= handled
        assert lag == remaining
    assert remaining == 0


async def _consume_until(
    settings, keys_dir: Path, group: str, handler, done, timeout_s: float = 40
) -> None:  # type: ignore[no-untyped-def]
    """Run an eligibility consumer of governance.signals until `done()` holds."""
    dlq = MeshProducer(settings, ["eligibility.dlq"])
    await dlq.start()
    consumer = MeshConsumer(
        settings,
        topics=["governance.signals"],
        group_id=group,
        handler=handler,
        trust=TrustStore.load(keys_dir),
        signer=Signer.load(keys_dir, Principal.ELIGIBILITY),
        dlq=dlq,
    )
    task = asyncio.create_task(consumer.run())
    try:
        await wait_until(done, timeout_s=timeout_s)
    finally:
        await consumer.stop()
        task.cancel()
        await dlq.stop()

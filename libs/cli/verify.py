"""`govmesh verify <contract_id>`: read a contract's chain from the broker (or a file) and check it.

The broker's topics are the record. `--export FILE` writes the records the check read
(JSON lines: topic and the value as stored) so a chain can be archived and re-verified
later with `--records FILE`, without a broker.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable
from pathlib import Path
from uuid import UUID

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition

from govmesh.mesh.chain import CHAIN_TOPICS, ChainReport, Record, verify_chain
from govmesh.mesh.signing import TrustStore


async def read_records(
    bootstrap: str, prefix: str = "", client_options: dict[str, object] | None = None
) -> list[Record]:
    """Every record of the chain topics, partition by partition, from the start to the end."""
    consumer = AIOKafkaConsumer(
        **(client_options or {"bootstrap_servers": bootstrap}),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        names = {f"{prefix}{logical}": logical for logical in CHAIN_TOPICS}
        existing = await consumer.topics()
        partitions = [
            TopicPartition(name, p)
            for name in names
            if name in existing
            for p in sorted(consumer.partitions_for_topic(name) or [])
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        by_partition: dict[TopicPartition, list[Record]] = {tp: [] for tp in partitions}
        pending = {tp for tp in partitions if end[tp] > 0}
        while pending:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, messages in batch.items():
                for message in messages:
                    if message.value is not None:
                        by_partition[tp].append(Record(names[tp.topic], message.value))
                    if message.offset + 1 >= end[tp]:
                        pending.discard(tp)
        return [record for tp in partitions for record in by_partition[tp]]
    finally:
        await consumer.stop()


def export_records(records: Iterable[Record], path: Path) -> None:
    """Write records as JSON lines (the value base64-encoded, byte for byte)."""
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            value = base64.b64encode(record.value).decode()
            out.write(json.dumps({"topic": record.topic, "value_b64": value}) + "\n")


def load_records(path: Path) -> list[Record]:
    """The records of an exported file."""
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            records.append(Record(row["topic"], base64.b64decode(row["value_b64"])))
    return records


def render(report: ChainReport) -> str:
    """The chain as printed by the CLI, ending with the verdict."""
    lines = [f"chain of contract {report.contract_id}"]
    lines += [f"  ok  {link.describe()}" for link in report.links]
    if report.broken is not None:
        lines.append(f"  BROKEN  {report.broken}")
    else:
        lines.append(f"verified: {len(report.links)} signed, hash-linked messages")
    return "\n".join(lines)


def run(
    contract_id: UUID,
    *,
    keys_dir: Path,
    bootstrap: str | None,
    prefix: str,
    records_file: Path | None,
    export: Path | None,
) -> tuple[int, str]:
    """Exit status (0 verified, 1 broken) and the text to print."""
    trust = TrustStore.load(keys_dir)
    if records_file is not None:
        records = load_records(records_file)
    else:
        if bootstrap is None:
            raise ValueError("no broker: set GOVMESH_KAFKA_BOOTSTRAP or run `govmesh up` first")
        records = asyncio.run(read_records(bootstrap, prefix))
    report = verify_chain(records, contract_id, trust)
    if export is not None:
        chain_ids = {str(link.envelope.event_id) for link in report.links}
        export_records(
            [r for r in records if _event_id(r) in chain_ids] if report.ok else records, export
        )
    return (0 if report.ok else 1), render(report)


def _event_id(record: Record) -> str | None:
    try:
        value = json.loads(record.value)
    except ValueError:
        return None
    event_id = value.get("event_id") if isinstance(value, dict) else None
    return event_id if isinstance(event_id, str) else None

"""The signed, hash-linked record of one contract, re-checked link by link.

Every message names the event that caused it (`causation_id`) and carries the
SHA-256 of that event's signed bytes (`input_digest`). `verify_chain` collects the
messages of one contract from the topics' records, checks each signature and the
producer's authority on its topic, checks that each cause exists and hashes to the
digest its effect carries, and checks that the chain is complete for the state the
contract reached (GATE-9: a COMPLETED or FAILED contract has its evidence). It stops
at the first broken link and says which one.

Pure: the records are passed in (read from the broker, or from an exported file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from govmesh.mesh.codec import decode
from govmesh.mesh.errors import Rejected
from govmesh.mesh.signing import TrustStore
from govmesh.schemas import TOPICS, CrmEvent, Envelope, digest

#: The topics a contract's chain runs through, in the order of the chain.
CHAIN_TOPICS = (
    "crm.events",
    "issues.accepted",
    "issues.revised",
    "proposals.validated",
    "proposals.assessed",
    "contracts.lifecycle",
    "founder.decisions",
    "jobs.requested",
    "jobs.events",
    "audits.verdicts",
)


@dataclass(frozen=True)
class Record:
    """One record as stored by the broker: its (logical) topic and value bytes."""

    topic: str
    value: bytes


@dataclass(frozen=True)
class Link:
    """A verified message of the chain."""

    topic: str
    envelope: Envelope

    @property
    def data(self) -> dict[str, Any]:
        return self.envelope.data

    def describe(self) -> str:
        env = self.envelope
        return f"{self.topic:<20} {env.type:<20} {env.event_id} by {env.producer.value}"


@dataclass
class ChainReport:
    """The links verified so far and, when the chain is broken, the first broken link."""

    contract_id: UUID
    links: list[Link] = field(default_factory=list)
    broken: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


class BrokenLink(Exception):
    """The first link of the chain that does not hold."""


def verify_chain(records: Iterable[Record], contract_id: UUID, trust: TrustStore) -> ChainReport:
    """Walk the chain of `contract_id` through `records`; see the module docstring."""
    report = ChainReport(contract_id)
    try:
        _walk(list(records), contract_id, trust, report)
    except BrokenLink as exc:
        report.broken = str(exc)
    return report


def _walk(records: list[Record], contract_id: UUID, trust: TrustStore, report: ChainReport) -> None:
    index = _Index(records, trust)
    lifecycle = index.lifecycle_of(contract_id)
    if not lifecycle:
        raise BrokenLink(f"no contracts.lifecycle record for contract {contract_id}")
    first = lifecycle[0]
    contract = first.data["contract"]

    # Upstream: lifecycle <- eligibility <- validator <- issue <- CRM event.
    assessed = index.cause_of(first, "proposals.assessed")
    validated = index.cause_of(assessed, "proposals.validated")
    intake_topic = "issues.revised" if contract.get("parent_contract_id") else "issues.accepted"
    issue = index.cause_of(validated, intake_topic)
    if issue.envelope.causation_id is not None:
        crm = index.cause_of(issue, None)
        report.links.append(crm)
    else:
        _check_embedded_event(issue)
    report.links += [issue, validated, assessed]

    # The contract's own record: every transition, every decision, every job, every audit.
    own = [
        *lifecycle,
        *index.by_contract("founder.decisions", contract_id),
        *index.by_contract("jobs.requested", contract_id),
        *index.by_contract("jobs.events", contract_id),
        *index.by_contract("audits.verdicts", contract_id),
    ]
    for link in own:
        if link.envelope.causation_id is not None:
            index.cause_of(link, None)
    report.links += sorted(own, key=lambda link: link.envelope.produced_at)
    _check_complete(index, contract_id, lifecycle[-1])


def received_event_digest(event: dict[str, Any]) -> str:
    """The digest ingest links an HTTP-received issue to: the event as it arrived, before
    ingest stamped its own `received_at` into it."""
    unstamped = json.loads(json.dumps(event))
    unstamped["envelope"]["received_at"] = None
    return digest(CrmEvent.model_validate(unstamped).model_dump(mode="json"))


def _check_embedded_event(issue: Link) -> None:
    """An issue received over HTTP has no signed input: it carries the event it hashed."""
    event = issue.data.get("event")
    expected = received_event_digest(event) if isinstance(event, dict) else None
    if issue.envelope.input_digest is None or issue.envelope.input_digest != expected:
        raise BrokenLink(
            f"{issue.describe()}: input_digest does not match the CRM event it carries"
        )


def _check_complete(index: _Index, contract_id: UUID, last: Link) -> None:
    """GATE-9: the outcome of a contract that ran is backed by its job and its audit."""
    status = last.data["contract"]["status"]
    statuses = {link.data["contract"]["status"] for link in index.lifecycle_of(contract_id)}
    if "ACTIVE" not in statuses:
        return
    requests = index.by_contract("jobs.requested", contract_id)
    executions = [r for r in requests if r.data.get("kind", "execution") == "execution"]
    if not executions:
        raise BrokenLink(f"contract {contract_id} became ACTIVE but no job was requested")
    if status not in {"COMPLETED", "FAILED"}:
        return
    job_id = executions[0].data["job_id"]
    finished = [
        e
        for e in index.by_contract("jobs.events", contract_id)
        if e.data["job_id"] == job_id and e.data["event"] in ("FINISHED", "CANCELLED")
    ]
    if not finished:
        raise BrokenLink(f"contract {contract_id} is {status} but job {job_id} never finished")
    if status == "COMPLETED":
        audits = [
            a
            for a in index.by_contract("audits.verdicts", contract_id)
            if a.data["job_id"] == job_id and a.data["verdict"] == "PASS"
        ]
        if not audits:
            raise BrokenLink(f"contract {contract_id} is COMPLETED without an audit PASS")
        if last.envelope.causation_id not in {a.envelope.event_id for a in audits}:
            raise BrokenLink(f"{last.describe()}: COMPLETED is not caused by the audit PASS")


class _Index:
    """Records by event id and by contract, each verified when first used."""

    def __init__(self, records: Sequence[Record], trust: TrustStore):
        self._trust = trust
        self._raw: dict[str, list[Record]] = {}
        self._contract: dict[tuple[str, str], list[Record]] = {}
        seen: set[tuple[str, bytes]] = set()
        for record in records:
            if (record.topic, record.value) in seen:
                continue  # the same message delivered twice (at least once)
            seen.add((record.topic, record.value))
            loose = _loose(record.value)
            if loose is None:
                continue
            event_id = loose.get("event_id")
            if isinstance(event_id, str):
                self._raw.setdefault(event_id, []).append(record)
            data = loose.get("data")
            if isinstance(data, dict):
                cid = data.get("contract_id") or (data.get("contract") or {}).get("contract_id")
                if isinstance(cid, str):
                    self._contract.setdefault((record.topic, cid), []).append(record)
        self._verified: dict[int, Link] = {}

    def verify(self, record: Record) -> Link:
        cached = self._verified.get(id(record))
        if cached is not None:
            return cached
        spec = TOPICS.get(record.topic)
        if spec is None:
            raise BrokenLink(f"a record on unknown topic {record.topic!r}")
        try:
            envelope, _ = decode(record.value, spec, self._trust)
        except Rejected as exc:
            what = _loose(record.value) or {}
            raise BrokenLink(
                f"{record.topic} {what.get('type')} {what.get('event_id')}: "
                f"{exc.reason} ({exc.detail})"
            ) from None
        link = Link(record.topic, envelope)
        self._verified[id(record)] = link
        return link

    def by_contract(self, topic: str, contract_id: UUID) -> list[Link]:
        return [self.verify(r) for r in self._contract.get((topic, str(contract_id)), [])]

    def lifecycle_of(self, contract_id: UUID) -> list[Link]:
        """Transitions in log order (one key, one partition: the order they were made)."""
        return self.by_contract("contracts.lifecycle", contract_id)

    def cause_of(self, effect: Link, topic: str | None) -> Link:
        """The verified cause of `effect` (on `topic` if given), its digest checked."""
        cause_id = effect.envelope.causation_id
        if cause_id is None:
            raise BrokenLink(f"{effect.describe()}: names no cause")
        candidates = [
            r for r in self._raw.get(str(cause_id), []) if topic is None or r.topic == topic
        ]
        if not candidates:
            where = topic or "any topic"
            raise BrokenLink(f"{effect.describe()}: its cause {cause_id} is not on {where}")
        if len({r.value for r in candidates}) > 1:
            # At-least-once delivery may store a message twice, but never two versions of it.
            raise BrokenLink(
                f"{effect.describe()}: its cause {cause_id} is stored in two different versions"
            )
        cause = self.verify(candidates[0])
        if effect.envelope.input_digest != cause.envelope.signed_digest():
            raise BrokenLink(
                f"{effect.describe()}: input_digest does not match its cause {cause.describe()}"
            )
        return cause


def _loose(value: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None

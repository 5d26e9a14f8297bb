"""`verify_chain`: signatures, hash links and completeness of one contract's record (GATE-9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from govmesh.cli.verify import export_records, load_records, render
from govmesh.mesh.chain import Record, received_event_digest, verify_chain
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.signing import Signer, TrustStore, generate_keys
from govmesh.schemas import Envelope, Principal, message_types
from govmesh.schemas.common import Message

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    generate_keys(directory)
    return directory


@pytest.fixture(scope="module")
def trust(keys: Path) -> TrustStore:
    return TrustStore.load(keys)


def _golden(type_name: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{type_name}.json").read_text())
    data.update(changes)
    return data


class ChainBuilder:
    """Signs the messages of one contract's life the way the services do."""

    def __init__(self, keys: Path):
        self.keys = keys
        self.records: list[Record] = []
        self.contract_id = uuid4()
        self.issue_id = uuid4()
        self.job_id = uuid4()
        self.clock = T0

    def emit(
        self,
        topic: str,
        principal: Principal,
        type_name: str,
        data: dict[str, Any],
        cause: Envelope | None = None,
        input_digest: str | None = None,
    ) -> Envelope:
        message: Message = message_types()[type_name].model_validate(data)
        self.clock += timedelta(seconds=1)
        envelope = make_envelope(
            message,
            Signer.load(self.keys, principal),
            cause=cause,
            correlation_id=self.issue_id,
            input_digest=input_digest,
            produced_at=self.clock,
        )
        self.records.append(Record(topic, envelope.to_bytes()))
        return envelope

    def lifecycle(self, status: str, previous: str | None, cause: Envelope | None) -> Envelope:
        data = _golden("ContractLifecycle")
        data["contract"].update(
            contract_id=str(self.contract_id), issue_id=str(self.issue_id), status=status
        )
        data["transition"].update(
            from_status=previous,
            to_status=status,
            at=(self.clock + timedelta(seconds=1)).isoformat(),
            causation_id=str(cause.event_id) if cause else None,
        )
        return self.emit(
            "contracts.lifecycle", Principal.CONTRACTS, "ContractLifecycle", data, cause
        )

    def intake(self, event_digest: str | None = None) -> Envelope:
        issue = _golden("IssueAccepted", issue_id=str(self.issue_id))
        accepted = self.emit(
            "issues.accepted",
            Principal.INGEST,
            "IssueAccepted",
            issue,
            input_digest=event_digest or received_event_digest(issue["event"]),
        )
        ids = {"issue_id": str(self.issue_id), "contract_id": str(self.contract_id)}
        validated = self.emit(
            "proposals.validated",
            Principal.VALIDATOR,
            "ProposalValidated",
            _golden("ProposalValidated", **ids),
            accepted,
        )
        assessed = self.emit(
            "proposals.assessed",
            Principal.ELIGIBILITY,
            "ProposalAssessed",
            _golden("ProposalAssessed", **ids),
            validated,
        )
        self.lifecycle("DRAFT", None, assessed)
        self.lifecycle("VALIDATED", "DRAFT", assessed)
        return self.lifecycle("ELIGIBLE", "VALIDATED", assessed)

    def run_to(
        self, outcome: str, *, audit: bool = True, job: dict[str, object] | None = None
    ) -> None:
        self.intake()
        decision = self.emit(
            "founder.decisions",
            Principal.CONSOLE,
            "FounderDecision",
            _golden("FounderDecision", contract_id=str(self.contract_id)),
        )
        approved = self.lifecycle("APPROVED", "ELIGIBLE", decision)
        ids = {"contract_id": str(self.contract_id), "job_id": str(self.job_id)}
        request = self.emit(
            "jobs.requested",
            Principal.CONTRACTS,
            "JobRequested",
            _golden("JobRequested", **ids),
            approved,
        )
        self.lifecycle("ACTIVE", "APPROVED", approved)
        finished = self.emit(
            "jobs.events",
            Principal.EXECUTOR,
            "JobEvent",
            _golden(
                "JobEvent", **{**ids, "event": "FINISHED", "status": "COMPLETED", **(job or {})}
            ),
            request,
        )
        cause = finished
        if audit:
            cause = self.emit(
                "audits.verdicts",
                Principal.AUDITOR,
                "AuditVerdict",
                _golden("AuditVerdict", **ids, verdict="PASS"),
                finished,
            )
        self.lifecycle(outcome, "ACTIVE", cause)


def _tampered(record: Record, old: bytes, new: bytes) -> Record:
    assert old in record.value
    return Record(record.topic, record.value.replace(old, new, 1))


def test_GATE9_a_complete_chain_verifies_from_issue_to_outcome(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    chain.run_to("COMPLETED")
    report = verify_chain(chain.records, chain.contract_id, trust)
    assert report.ok, report.broken
    topics = [link.topic for link in report.links]
    assert topics[:3] == ["issues.accepted", "proposals.validated", "proposals.assessed"]
    assert {"founder.decisions", "jobs.requested", "jobs.events", "audits.verdicts"} <= set(topics)
    assert "verified:" in render(report)


def test_GATE9_a_job_the_executor_refused_is_the_evidence_of_a_FAILED_contract(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    refused = "refused by the executor (SM-001): activation window has closed"
    chain.run_to("FAILED", audit=False, job={"status": "FAILED", "steps": [], "error": refused})
    report = verify_chain(chain.records, chain.contract_id, trust)
    assert report.ok, report.broken


def test_a_record_of_another_contract_is_not_part_of_the_chain(
    keys: Path, trust: TrustStore
) -> None:
    first, other = ChainBuilder(keys), ChainBuilder(keys)
    first.run_to("COMPLETED")
    other.intake()
    report = verify_chain([*first.records, *other.records], first.contract_id, trust)
    assert report.ok, report.broken
    assert all(link.envelope.correlation_id == first.issue_id for link in report.links)


def test_a_tampered_message_breaks_the_chain_at_its_signature(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    chain.run_to("COMPLETED")
    audit_at = next(i for i, r in enumerate(chain.records) if r.topic == "audits.verdicts")
    records = list(chain.records)
    records[audit_at] = _tampered(records[audit_at], b'"verdict":"PASS"', b'"verdict":"FAIL"')
    report = verify_chain(records, chain.contract_id, trust)
    assert not report.ok
    assert "audits.verdicts" in (report.broken or "")
    assert "bad_signature" in (report.broken or "")
    assert "BROKEN" in render(report)


def test_a_validly_signed_message_with_a_wrong_input_digest_breaks_the_link(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    chain.intake()
    assessed = next(r for r in chain.records if r.topic == "proposals.assessed")
    original = Envelope.model_validate_json(assessed.value)
    forged_env = Signer.load(keys, Principal.ELIGIBILITY).sign(
        original.model_copy(update={"input_digest": "0" * 64, "signature": None})
    )
    records = [
        Record(r.topic, forged_env.to_bytes()) if r is assessed else r for r in chain.records
    ]
    report = verify_chain(records, chain.contract_id, trust)
    assert not report.ok
    assert "input_digest does not match" in (report.broken or "")
    assert "proposals.assessed" in (report.broken or "")


def test_a_missing_cause_is_named(keys: Path, trust: TrustStore) -> None:
    chain = ChainBuilder(keys)
    chain.intake()
    records = [r for r in chain.records if r.topic != "proposals.validated"]
    report = verify_chain(records, chain.contract_id, trust)
    assert not report.ok
    assert "is not on proposals.validated" in (report.broken or "")


def test_an_issue_that_does_not_hash_the_event_it_carries_breaks_the_chain(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    chain.intake(event_digest="f" * 64)
    report = verify_chain(chain.records, chain.contract_id, trust)
    assert not report.ok
    assert "does not match the CRM event it carries" in (report.broken or "")


def test_GATE9_a_completed_contract_without_its_audit_is_refused(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    chain.run_to("COMPLETED", audit=False)
    report = verify_chain(chain.records, chain.contract_id, trust)
    assert not report.ok
    assert "without an audit PASS" in (report.broken or "")


def test_a_message_delivered_twice_is_not_a_broken_link(keys: Path, trust: TrustStore) -> None:
    chain = ChainBuilder(keys)
    chain.run_to("COMPLETED")
    report = verify_chain([*chain.records, *chain.records], chain.contract_id, trust)
    assert report.ok, report.broken


def test_a_producer_without_authority_on_the_topic_breaks_the_chain(
    keys: Path, trust: TrustStore
) -> None:
    chain = ChainBuilder(keys)
    chain.intake()
    validated = next(r for r in chain.records if r.topic == "proposals.validated")
    cause = Envelope.model_validate_json(chain.records[0].value)
    envelope = Envelope.model_validate_json(validated.value)
    by_executor = make_envelope(
        message_types()["ProposalValidated"].model_validate(envelope.data),
        Signer.load(keys, Principal.EXECUTOR),
        event_id=envelope.event_id,
        cause=cause,
        produced_at=envelope.produced_at,
    )
    records = [
        Record(r.topic, by_executor.to_bytes()) if r is validated else r for r in chain.records
    ]
    report = verify_chain(records, chain.contract_id, trust)
    assert not report.ok
    assert "producer_not_allowed" in (report.broken or "")


def test_an_exported_chain_verifies_again_and_an_edit_to_the_file_is_caught(
    keys: Path, trust: TrustStore, tmp_path: Path
) -> None:
    chain = ChainBuilder(keys)
    chain.run_to("COMPLETED")
    path = tmp_path / "chain.jsonl"
    export_records(chain.records, path)
    assert load_records(path) == chain.records
    assert verify_chain(load_records(path), chain.contract_id, trust).ok
    loaded = load_records(path)
    decision_at = next(i for i, r in enumerate(loaded) if r.topic == "founder.decisions")
    loaded[decision_at] = _tampered(loaded[decision_at], b'"founder":"', b'"founder":"x')
    export_records(loaded, path)
    report = verify_chain(load_records(path), chain.contract_id, trust)
    assert not report.ok
    assert "founder.decisions" in (report.broken or "")


def test_no_lifecycle_record_means_no_chain(keys: Path, trust: TrustStore) -> None:
    report = verify_chain([], UUID(int=1), trust)
    assert not report.ok
    assert "no contracts.lifecycle record" in (report.broken or "")

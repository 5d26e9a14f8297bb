"""Signing, verification and the decode half of the consume pipeline, without I/O."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from govmesh.mesh.codec import decode, make_envelope
from govmesh.mesh.errors import Rejected
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.signing import Signer, TrustStore, generate_keys
from govmesh.schemas import (
    CrmEvent,
    GovernanceSignal,
    Principal,
    SignalType,
    canonical_bytes,
    topic,
)

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    generate_keys(directory)
    return directory


def _signal() -> GovernanceSignal:
    return GovernanceSignal(
        scope="LOGS_LIST",
        signal_type=SignalType.FROZEN,
        active=True,
        issued_by="founder",
        reason="quarter close",
        issued_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


def test_keys_init_writes_a_private_key_per_principal_and_a_trust_file(keys: Path) -> None:
    trust = json.loads((keys / "trust.json").read_text())
    assert sorted(trust) == sorted(p.value for p in Principal)
    for principal in Principal:
        path = keys / f"{principal.value}.key"
        assert path.stat().st_mode & 0o777 == 0o600


def test_keys_init_keeps_existing_keys(keys: Path) -> None:
    before = (keys / "trust.json").read_text()
    generate_keys(keys)
    assert (keys / "trust.json").read_text() == before


def test_a_signed_message_from_an_allowed_producer_decodes(keys: Path) -> None:
    envelope = make_envelope(_signal(), Signer.load(keys, Principal.CONSOLE))
    decoded, message = decode(
        envelope.to_bytes(), topic("governance.signals"), TrustStore.load(keys)
    )
    assert decoded == envelope
    assert message == _signal()


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda raw: b"\xff\xfe", "not_json"),
        (lambda raw: json.dumps({"data": {}}).encode(), "schema_invalid"),
        (lambda raw: _edit(raw, ["type"], "IssueAccepted"), "unknown_type"),
        (lambda raw: _edit(raw, ["data", "scope"], "OTHER"), "bad_signature"),
        (lambda raw: _edit(raw, ["signature"], None), "missing_signature"),
        (lambda raw: _edit(raw, ["signature"], "not base64!"), "bad_signature"),
    ],
)
def test_each_refusal_names_its_reason(keys: Path, mutate, reason: str) -> None:
    raw = make_envelope(_signal(), Signer.load(keys, Principal.CONSOLE)).to_bytes()
    with pytest.raises(Rejected) as excinfo:
        decode(mutate(raw), topic("governance.signals"), TrustStore.load(keys))
    assert excinfo.value.reason == reason


def test_producer_not_registered_for_the_topic_is_an_authority_violation(keys: Path) -> None:
    raw = make_envelope(_signal(), Signer.load(keys, Principal.VALIDATOR)).to_bytes()
    with pytest.raises(Rejected) as excinfo:
        decode(raw, topic("governance.signals"), TrustStore.load(keys))
    assert (excinfo.value.check, excinfo.value.reason) == ("authority", "producer_not_allowed")
    assert excinfo.value.claimed_producer == "validator"


def test_a_signer_cannot_sign_for_another_principal(keys: Path) -> None:
    envelope = make_envelope(_signal(), Signer.load(keys, Principal.CONSOLE))
    with pytest.raises(Exception, match="cannot sign for"):
        Signer.load(keys, Principal.EXECUTOR).sign(envelope)


def test_envelope_links_its_cause_by_digest(keys: Path) -> None:
    console = Signer.load(keys, Principal.CONSOLE)
    cause = make_envelope(_signal(), console)
    effect = make_envelope(_signal(), console, cause=cause)
    assert effect.causation_id == cause.event_id
    assert effect.input_digest == hashlib.sha256(cause.signing_bytes()).hexdigest()
    unsigned = cause.model_dump(mode="json", exclude={"signature"})
    assert cause.signing_bytes() == canonical_bytes(unsigned)
    assert cause.to_bytes() == canonical_bytes(cause.model_dump(mode="json"))


def test_deterministic_ids_are_stable_and_distinct() -> None:
    # The pinned value guards the namespace: changing it would re-key every output id.

    assert deterministic_id("a", 1) == deterministic_id("a", 1)
    assert deterministic_id("a", 1) != deterministic_id("a", 2)
    assert str(deterministic_id("event", "1.0.0")) == "49b742fe-14cb-5279-adfc-5336f0906cf7"


def _edit(raw: bytes, path: list[str], value: object) -> bytes:
    doc = json.loads(raw)
    target = doc
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("path", "value", "code"),
    [
        (["envelope", "event_id"], "nope", "INVALID_EVENT_ID"),
        (["payload", "body"], "<script>x</script>", "INVALID_BODY"),
        (["attribution", "submitter_id"], "someone@example.com", "INVALID_FIELD"),
        (["payload"], None, "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_a_refused_crm_event_is_dead_lettered_with_its_spec_field_code(
    keys: Path, path: list[str], value: object, code: str
) -> None:
    golden = Path(__file__).resolve().parents[2] / "data" / "golden" / "CrmEvent.json"
    event = CrmEvent.model_validate_json(golden.read_text())
    raw = make_envelope(event, Signer.load(keys, Principal.CRM)).to_bytes()
    with pytest.raises(Rejected) as excinfo:
        decode(_edit(raw, ["data", *path], value), topic("crm.events"), TrustStore.load(keys))
    assert (excinfo.value.check, excinfo.value.reason) == ("schema", code)

"""Building envelopes and the verify half of the consume pipeline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pydantic import ValidationError

from govmesh.mesh.errors import Rejected
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import Envelope, TopicSpec
from govmesh.schemas.common import Message


@dataclass(frozen=True)
class Delivery:
    """A verified message with where it came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    envelope: Envelope
    message: Message


def make_envelope(
    message: Message,
    signer: Signer,
    *,
    event_id: UUID | None = None,
    cause: Envelope | None = None,
    correlation_id: UUID | None = None,
    input_digest: str | None = None,
    produced_at: datetime | None = None,
) -> Envelope:
    """Wrap and sign a message; `cause` links it to the input event (hash-linked chain)."""
    envelope = Envelope(
        event_id=event_id or uuid4(),
        type=message.TYPE,
        schema_version=message.VERSION,
        producer=signer.principal,
        produced_at=produced_at or datetime.now(UTC),
        causation_id=cause.event_id if cause else None,
        correlation_id=correlation_id or (cause.correlation_id if cause else None),
        input_digest=input_digest or (cause.signed_digest() if cause else None),
        data=message.model_dump(mode="json"),
    )
    return signer.sign(envelope)


def decode(value: bytes | None, spec: TopicSpec, trust: TrustStore) -> tuple[Envelope, Message]:
    """parse -> schema -> producer allowed for topic -> signature; raises `Rejected`."""
    if value is None:
        raise Rejected("parse", "not_json", "the record has no value (tombstone)")
    try:
        raw = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Rejected("parse", "not_json", f"value is not JSON: {exc}") from None
    claimed = raw.get("producer") if isinstance(raw, dict) else None
    claimed_str = claimed if isinstance(claimed, str) else None
    try:
        envelope = Envelope.model_validate(raw)
    except ValidationError as exc:
        raise Rejected("schema", "schema_invalid", _short(exc), claimed_str) from None
    model = spec.types_by_name.get(envelope.type)
    if model is None:
        raise Rejected(
            "schema",
            "unknown_type",
            f"type {envelope.type!r} is not carried by {spec.name} "
            f"(expected one of {sorted(spec.types_by_name)})",
            claimed_str,
        )
    try:
        message = model.model_validate(envelope.data)
    except ValidationError as exc:
        raise Rejected("schema", _field_code(model, exc), _short(exc), claimed_str) from None
    if envelope.producer not in spec.producers:
        raise Rejected(
            "authority",
            "producer_not_allowed",
            f"{envelope.producer.value!r} may not produce to {spec.name} "
            f"(allowed: {sorted(p.value for p in spec.producers)})",
            claimed_str,
        )
    trust.verify(envelope, value)
    return envelope, message


def _field_code(model: type[Message], exc: ValidationError) -> str:
    """The model's own code for the first refused field (SPEC §2 codes for CRM events)."""
    if not model.FIELD_CODES:
        return "schema_invalid"
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    if loc in model.FIELD_CODES:
        return model.FIELD_CODES[loc]
    if len(first["loc"]) <= 1:
        return "SCHEMA_VALIDATION_FAILED"
    return "INVALID_FIELD"


def _short(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)

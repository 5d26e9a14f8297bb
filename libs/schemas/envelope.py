"""The signed envelope every message value travels in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from govmesh.schemas.canonical import canonical_bytes
from govmesh.schemas.common import Model, Principal

SCHEMA_VERSION = "1.0.0"


class Envelope(Model):
    """`signature` is Ed25519 over the RFC 8785 encoding of every other field."""

    event_id: UUID
    type: str = Field(min_length=1, max_length=100)
    schema_version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    producer: Principal
    produced_at: AwareDatetime
    causation_id: UUID | None = None
    correlation_id: UUID | None = None
    input_digest: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    data: dict[str, Any]
    signature: str | None = None

    def signing_bytes(self) -> bytes:
        """The canonical bytes the signature covers (everything but the signature)."""
        return canonical_bytes(self.model_dump(mode="json", exclude={"signature"}))

    def to_bytes(self) -> bytes:
        """Wire form: canonical JSON of the whole envelope."""
        return canonical_bytes(self.model_dump(mode="json"))

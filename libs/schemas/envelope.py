"""The signed envelope every message value travels in.

The signature is Ed25519 over the *signed bytes*: the RFC 8785 encoding of every
field but `signature`. The wire form is the RFC 8785 encoding of the whole
envelope, which is the signed bytes with the `"signature"` member inserted at its
sorted place (just before `"type"`, the last key). A chained message's
`input_digest` is the SHA-256 of its cause's signed bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, Field, PrivateAttr

from govmesh.schemas.canonical import canonical_bytes
from govmesh.schemas.common import Model, Principal

SCHEMA_VERSION = "1.0.0"
_TYPE_MEMBER = b',"type":'


class Envelope(Model):
    """`signature` is Ed25519 over `signing_bytes()`; see the module docstring."""

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

    _signed: bytes | None = PrivateAttr(default=None)

    def signing_bytes(self) -> bytes:
        """The canonical bytes the signature covers (everything but the signature)."""
        if self._signed is None:
            self._signed = canonical_bytes(self.model_dump(mode="json", exclude={"signature"}))
        return self._signed

    def with_signed_bytes(self, signed: bytes) -> Envelope:
        """Remember bytes known to equal `signing_bytes()` (verified or just signed)."""
        self._signed = signed
        return self

    def signed_digest(self) -> str:
        """SHA-256 of the signed bytes: what a message caused by this one links to."""
        return hashlib.sha256(self.signing_bytes()).hexdigest()

    def to_bytes(self) -> bytes:
        """Wire form: canonical JSON of the whole envelope."""
        signed = self.signing_bytes()
        if self.signature is None:
            return signed
        cut = signed.rfind(_TYPE_MEMBER)
        member = b',"signature":"' + self.signature.encode() + b'"'
        return signed[:cut] + member + signed[cut:]


def signed_bytes_of_wire(raw: bytes, signature: str) -> bytes | None:
    """The signed bytes inside a wire form: `raw` without its one signature member.

    Returns None when the member does not occur exactly once (the caller then
    re-encodes the parsed envelope). JSON strings cannot hold an unescaped quote,
    so the member text can only be a real object member.
    """
    member = b',"signature":"' + signature.encode() + b'"'
    if raw.count(member) != 1:
        return None
    return raw.replace(member, b"", 1)

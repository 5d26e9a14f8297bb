"""Dead letters: a message a consumer refused, with the original bytes and the reason."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import Message


class DeadLetter(Message):
    TYPE = "DeadLetter"

    consumer: str
    original_topic: str
    partition: int = Field(ge=0)
    offset: int = Field(ge=0)
    original_key_b64: str | None
    original_value_b64: str | None
    reason: str
    check: str
    detail: str
    claimed_producer: str | None = None
    refused_at: AwareDatetime

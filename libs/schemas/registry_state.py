"""The governed registry as published by its only writer, the executor."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import Lifecycle, Message


class RegistryState(Message):
    """One capability (or SYSTEM) after a change; `revision` grows with every write."""

    TYPE = "RegistryState"

    name: str = Field(min_length=1)
    enabled: bool
    lifecycle: Lifecycle | None = None
    frozen: bool = False
    qualifier: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    revision: int = Field(ge=1)
    updated_at: AwareDatetime

"""Deterministic identifiers: a re-run emits the same event id, so inboxes drop it."""

from __future__ import annotations

import uuid

GOVMESH_NAMESPACE = uuid.UUID("5b0c6f2e-6a8e-4c1e-9d7f-3b1f2c9a7e10")


def deterministic_id(*parts: object) -> uuid.UUID:
    """UUIDv5 of the parts (e.g. input event id and processor version). Never change this."""
    return uuid.uuid5(GOVMESH_NAMESPACE, "|".join(str(p) for p in parts))

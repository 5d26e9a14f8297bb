"""Canonical JSON (RFC 8785) and the SHA-256 digests built on it."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785


def canonical_bytes(value: Any) -> bytes:
    """Encode a JSON-compatible value per RFC 8785 (sorted keys, fixed number form)."""
    return rfc8785.dumps(value)


def digest(value: Any) -> str:
    """SHA-256 hex digest of the canonical encoding of `value`."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()

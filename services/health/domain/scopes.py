"""Scope names: "SYSTEM" or a capability name in upper case (cross-service agreement)."""

from __future__ import annotations

import re

from govmesh.schemas import SYSTEM_SCOPE

SCOPE_PATTERN = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")

__all__ = ["SCOPE_PATTERN", "SYSTEM_SCOPE", "normalize_scope"]


def normalize_scope(raw: str) -> str | None:
    """The scope a label value or path segment names (upper-cased), or None if it names none.

    Prometheus labels are conventionally lower case (`capability="logs_list"`) while
    scopes are upper case, so the value is upper-cased before it is checked.
    """
    candidate = raw.strip().upper()
    return candidate if SCOPE_PATTERN.match(candidate) else None

"""Strict equality of JSON values: `True` is not `1`, but `1` is `1.0`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def json_equal(left: Any, right: Any) -> bool:
    """Compare two JSON-compatible values the way their JSON texts would compare."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, Sequence) and isinstance(right, Sequence):
        return len(left) == len(right) and all(
            json_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    return left is None and right is None

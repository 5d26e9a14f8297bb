"""Canonical JSON (RFC 8785) and the SHA-256 digests built on it.

`rfc8785` is the reference implementation but pure Python (about 0.7 ms for one of
our envelopes). orjson with sorted keys produces the identical bytes for the
values our messages carry — strings, integers within ±2^53, booleans, null and
non-integral floats in [1e-5, 1e16) under object keys below U+D800 — so those take the
fast path; anything else (integral or huge floats, -0.0, astral key characters)
goes to `rfc8785`. A property test holds the two equal over the fast domain.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import rfc8785

_MAX_SAFE_INT = 2**53 - 1


def _fast_path_ok(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > _MAX_SAFE_INT:
                return False
        elif isinstance(item, float):
            magnitude = abs(item)
            # orjson writes [1e-6, 1e-5) in exponent form where ES6 does not.
            if not math.isfinite(item) or item.is_integer() or not 1e-5 <= magnitude < 1e16:
                return False
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str) or not (key.isascii() or max(key) < "\ud800"):
                    return False
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        else:
            return False
    return True


def canonical_bytes(value: Any) -> bytes:
    """Encode a JSON-compatible value per RFC 8785 (sorted keys, ES6 number form)."""
    if _fast_path_ok(value):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return rfc8785.dumps(value)


def digest(value: Any) -> str:
    """SHA-256 hex digest of the canonical encoding of `value`."""
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


def json_equal(left: Any, right: Any) -> bool:
    """Compare JSON values as their JSON texts would: `True` is not `1`, `1` is `1.0`."""
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

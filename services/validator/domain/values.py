"""Desired values written in prose ("200", "30 days", "true", 'json') and their format check.

A value's format is valid when it fits the type of the key's current value in the
registry (SPEC §3: +0.1 valid value format, −0.2 invalid value format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from govmesh.validator.domain.vocabulary import KEY_UNITS, TIME_UNITS

_NUMBER = re.compile(
    r"(?P<num>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<k>k\b)?"
    r"(?:\s*(?P<unit>[a-z]+)\b)?"
)
_QUOTED = re.compile(r"\"([^\"\n]{1,100})\"|'([^'\n]{1,100})'|`([^`\n]{1,100})`")
_BARE = re.compile(r"[a-z][a-z0-9_.\-]*")
_TRUE = frozenset({"true", "on", "yes", "enabled"})
_FALSE = frozenset({"false", "off", "no", "disabled"})
#: Words people use for a value that no typed key can hold ("set it to unlimited").
_VALUE_WORDS = frozenset(
    {
        "unlimited",
        "infinite",
        "infinity",
        "none",
        "null",
        "max",
        "maximum",
        "lots",
        "more",
        "higher",
        "lower",
        "double",
        "triple",
        "high",
        "low",
        "medium",
    }
)
#: Words after "to"/"be" that start a verb phrase, not a value.
_NOT_VALUES = frozenset(
    {"the", "a", "an", "be", "get", "have", "handle", "make", "use", "do", "see", "let", "us"}
)


class ValueKind(StrEnum):
    NUMBER = "number"
    BOOLEAN = "boolean"
    TEXT = "text"
    WORD = "word"


@dataclass(frozen=True)
class ProseValue:
    """A value as written: its kind, the parsed value and (for numbers) a time unit."""

    raw: str
    kind: ValueKind
    value: Any
    unit_seconds: float | None = None


def read_value(text: str, position: int, *, accept_words: bool) -> ProseValue | None:
    """Read a value starting at `position` of lower-cased `text`, or None.

    Bare words are values only when `accept_words` (the key holds text) or when they are
    booleans or value-like words such as "unlimited".
    """
    rest = text[position:]
    number = _NUMBER.match(rest)
    if number is not None:
        return _number(number)
    quoted = _QUOTED.match(rest)
    if quoted is not None:
        inner = next(g for g in quoted.groups() if g is not None)
        return ProseValue(quoted.group(), ValueKind.TEXT, inner)
    bare = _BARE.match(rest)
    if bare is None:
        return None
    word = bare.group().rstrip(".-")
    if word in _TRUE or word in _FALSE:
        return ProseValue(word, ValueKind.BOOLEAN, word in _TRUE)
    if word in _VALUE_WORDS or (accept_words and word not in _NOT_VALUES):
        return ProseValue(word, ValueKind.WORD, word)
    return None


def _number(match: re.Match[str]) -> ProseValue:
    digits = match.group("num").replace(",", "")
    value: float | int = float(digits) if "." in digits else int(digits)
    if match.group("k"):
        value = value * 1000
    unit = match.group("unit")
    seconds = TIME_UNITS.get(unit) if unit else None
    raw = match.group() if seconds is not None or match.group("k") else match.group("num")
    return ProseValue(raw, ValueKind.NUMBER, value, float(seconds) if seconds else None)


def fit_value(value: ProseValue, current: Any, key: str) -> tuple[bool, Any]:
    """Whether `value` fits a key whose current value is `current`, and the typed value.

    With no current value (unknown key) any number, boolean or quoted text fits.
    Time units are converted to the key's own unit ("2 hours" for `..._minutes` → 120).
    """
    if isinstance(current, bool):
        return (True, value.value) if value.kind is ValueKind.BOOLEAN else (False, None)
    if isinstance(current, int | float):
        if value.kind is not ValueKind.NUMBER:
            return False, None
        number = _in_key_unit(value, key)
        if isinstance(current, int):
            if float(number) != int(number):
                return False, None
            return True, int(number)
        return True, float(number)
    if isinstance(current, str):
        return True, str(value.value) if value.kind is not ValueKind.NUMBER else value.raw
    if current is None:
        if value.kind is ValueKind.WORD:
            return False, None
        if value.kind is ValueKind.NUMBER:
            return True, _in_key_unit(value, key)
        return True, value.value
    return False, None


def _in_key_unit(value: ProseValue, key: str) -> float | int:
    number: float | int = value.value
    key_unit = KEY_UNITS.get(key.rsplit("_", 1)[-1])
    if value.unit_seconds is None or key_unit is None:
        return number
    converted = number * value.unit_seconds / key_unit
    return int(converted) if float(converted).is_integer() else converted

"""Canonical JSON (RFC 8785) and digests: the bytes every signature and input_digest cover."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from govmesh.schemas import Envelope, Principal, canonical_bytes, digest

pytestmark = pytest.mark.unit

# RFC 8785 §3.2.2-3.2.3 sample input and the output the RFC gives for it.
RFC_SAMPLE_INPUT = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
RFC_SAMPLE_OUTPUT = (
    '{"literals":[null,true,false],'
    '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
).encode()

# RFC 8785 §3.2.3 sorting sample: keys sort by UTF-16 code units, not code points.
RFC_SORTING_INPUT = r"""{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"""
RFC_SORTED_KEYS = ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_canonical_rfc8785_sample_is_reproduced_byte_for_byte() -> None:
    assert canonical_bytes(json.loads(RFC_SAMPLE_INPUT)) == RFC_SAMPLE_OUTPUT


def test_canonical_keys_sort_by_utf16_code_units() -> None:
    encoded = canonical_bytes(json.loads(RFC_SORTING_INPUT))
    # An emoji (surrogates D83D DE00) sorts before U+FB33 in UTF-16, after it by code point.
    assert list(json.loads(encoded)) == RFC_SORTED_KEYS


def test_canonical_nested_keys_are_sorted_and_whitespace_dropped() -> None:
    value = {"b": {"z": 1, "a": [3, {"y": True, "x": None}]}, "a": "1"}
    assert canonical_bytes(value) == b'{"a":"1","b":{"a":[3,{"x":null,"y":true}],"z":1}}'


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (1.0, b"1"),
        (100.0, b"100"),
        (-0.0, b"0"),
        (0.1, b"0.1"),
        (0.85, b"0.85"),
        (1e20, b"100000000000000000000"),
        (1e21, b"1e+21"),
        (1e-7, b"1e-7"),
        (1e-6, b"0.000001"),
        (1.5e-6, b"0.0000015"),
        (9.99e-6, b"0.00000999"),
        (0.0001234, b"0.0001234"),
        (1.5e15, b"1500000000000000"),
        (-4.5, b"-4.5"),
    ],
)
def test_canonical_numbers_use_the_ecmascript_shortest_form(number: float, expected: bytes) -> None:
    assert canonical_bytes(number) == expected


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    # Integral floats from 2**53 on parse back as integers that RFC 8785 libraries refuse.
    | st.floats(min_value=-(2.0**53) + 1, max_value=2.0**53 - 1)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(JSON_VALUES)
@example({"weight": 1e-6})
def test_canonical_bytes_equal_the_rfc8785_reference_encoding(value: Any) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@given(JSON_VALUES)
@example({"confidence": 1.0, "weight": 1e-6})
def test_canonical_bytes_survive_a_parse_unchanged(value: Any) -> None:
    # A consumer re-encodes what it parsed to check a signature: 1.0 comes back as 1.
    encoded = canonical_bytes(value)
    assert canonical_bytes(json.loads(encoded)) == encoded


def test_canonical_integer_and_equal_float_encode_alike() -> None:
    assert canonical_bytes({"confidence": 1.0}) == canonical_bytes({"confidence": 1})


def test_canonical_refuses_values_json_cannot_carry_exactly() -> None:
    with pytest.raises(ValueError, match="nan"):
        canonical_bytes(float("nan"))
    with pytest.raises(ValueError, match="safe integer"):
        canonical_bytes(2**53)


def test_canonical_unicode_is_raw_utf8_and_controls_are_escaped() -> None:
    text = "gr\u00f6\u00dfte Priorit\u00e4t \u2013 \u2713"
    assert canonical_bytes(text) == f'"{text}"'.encode()
    assert canonical_bytes("\u2028") == '"\u2028"'.encode()
    assert canonical_bytes('\x1f\b\t\n"\\') == b'"\\u001f\\b\\t\\n\\"\\\\"'


def test_canonical_strings_are_not_normalised() -> None:
    composed, decomposed = "\u00e9", "e\u0301"
    assert canonical_bytes(composed) != canonical_bytes(decomposed)


def test_digest_is_sha256_of_the_canonical_bytes() -> None:
    value = json.loads(RFC_SAMPLE_INPUT)
    assert digest(value) == hashlib.sha256(RFC_SAMPLE_OUTPUT).hexdigest()


def test_digest_is_stable_across_key_order_and_number_spelling() -> None:
    first = {"issue_id": "8a6e0f5b", "confidence": 0.5, "caps": ["A", "B"], "n": 2.0}
    second = {"n": 2, "caps": ["A", "B"], "confidence": 0.50, "issue_id": "8a6e0f5b"}
    assert digest(first) == digest(second)
    assert len(digest(first)) == 64


def test_digest_changes_with_any_value_or_array_order() -> None:
    base = {"caps": ["A", "B"], "confidence": 0.5}
    assert digest(base) != digest({"caps": ["B", "A"], "confidence": 0.5})
    assert digest(base) != digest({"caps": ["A", "B"], "confidence": 0.51})


def _envelope(signature: str | None) -> Envelope:
    return Envelope(
        event_id=UUID("0b6f2d4e-8a1c-4e3b-9d5f-7a2c4e6b8d0f"),
        type="HealthSignal",
        schema_version="1.0.0",
        producer=Principal.HEALTH,
        produced_at=datetime(2025, 3, 11, 12, 0, tzinfo=UTC),
        data={"scope": "SYSTEM", "weight": 1.0},
        signature=signature,
    )


def test_envelope_signing_bytes_cover_everything_but_the_signature() -> None:
    signed, unsigned = _envelope("c2lnbmF0dXJl"), _envelope(None)
    assert signed.signing_bytes() == unsigned.signing_bytes()
    assert b"signature" not in signed.signing_bytes()
    expected = signed.model_dump(mode="json")
    del expected["signature"]
    assert signed.signing_bytes() == canonical_bytes(expected)


def test_envelope_wire_bytes_round_trip_unchanged() -> None:
    wire = _envelope("c2lnbmF0dXJl").to_bytes()
    assert Envelope.model_validate_json(wire).to_bytes() == wire
    assert b'"weight":1' in wire
    assert b'"produced_at":"2025-03-11T12:00:00Z"' in wire

"""The orjson fast path of canonical_bytes is byte-identical to the RFC 8785 reference."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from govmesh.schemas.canonical import _fast_path_ok, canonical_bytes

pytestmark = pytest.mark.unit

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_canonical_bytes_equal_the_rfc8785_reference(value: object) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize("value", [1.0, -0.0, 1e16, {"\ue000": 1, "\U0001f600": 2}, [3.0]])
def test_values_outside_the_fast_domain_take_the_reference_path(value: object) -> None:
    assert not _fast_path_ok(value)
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_integers_beyond_the_safe_domain_are_refused_as_rfc8785_refuses_them() -> None:
    assert not _fast_path_ok(2**60)
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_bytes(2**60)

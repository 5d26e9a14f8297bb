"""X-API-Key: UNAUTHORIZED without a known key; a key acts only for its source system."""

from __future__ import annotations

import pytest

from govmesh.ingest.domain import (
    ANY_SOURCE_SYSTEM,
    ErrorCode,
    FieldError,
    IngestPolicy,
    authenticate,
    check_binding,
    may_act_for,
    validate_event,
)
from govmesh.schemas import CrmEvent
from tests.unit.ingest.factories import NOW, raw_event

pytestmark = pytest.mark.unit

KEYS = {"key-eu": "crm-eu", "key-any": ANY_SOURCE_SYSTEM}


def event() -> CrmEvent:
    result = validate_event(raw_event(), NOW, IngestPolicy())
    assert isinstance(result, CrmEvent)
    return result


@pytest.mark.parametrize("presented", [None, "", "key-e", "key-eu ", "KEY-EU"])
def test_UNAUTHORIZED_without_a_configured_key(presented: str | None) -> None:
    result = authenticate(presented, KEYS)
    assert isinstance(result, FieldError)
    assert (result.error_code, result.field) == (ErrorCode.UNAUTHORIZED, "X-API-Key")


def test_UNAUTHORIZED_when_no_keys_are_configured() -> None:
    assert isinstance(authenticate("anything", {}), FieldError)


def test_known_key_gives_its_binding() -> None:
    assert authenticate("key-eu", KEYS) == "crm-eu"
    assert authenticate("key-any", KEYS) == ANY_SOURCE_SYSTEM


def test_INVALID_SOURCE_SYSTEM_for_an_event_of_another_source_system() -> None:
    error = check_binding(event(), "crm-us")
    assert error is not None
    assert (error.error_code, error.field) == (
        ErrorCode.INVALID_SOURCE_SYSTEM,
        "attribution.source_system",
    )
    assert "'crm-us'" in error.message


def test_bound_and_wildcard_keys_may_submit() -> None:
    assert check_binding(event(), "crm-eu") is None
    assert check_binding(event(), ANY_SOURCE_SYSTEM) is None


def test_read_access_follows_the_binding() -> None:
    assert may_act_for("crm-eu", "crm-eu")
    assert may_act_for(ANY_SOURCE_SYSTEM, "crm-eu")
    assert not may_act_for("crm-us", "crm-eu")

"""Overrides: ops tokens only (401/403), validated bodies (422), bounded expiry (PART2-005)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.health.domain import (
    ErrorCode,
    Override,
    Refusal,
    authenticate,
    decide_override,
    normalize_scope,
    parse_body,
)
from govmesh.health.domain.overrides import OverrideBody
from govmesh.schemas import HealthStatus
from tests.unit.health.factories import NOW

pytestmark = pytest.mark.unit

OPS = {"ops-secret": "alice"}
FOUNDERS = {"founder-secret": "founder"}
MAX = timedelta(days=7)


def body(**values: object) -> OverrideBody:
    parsed = parse_body({"status": "DEGRADED", "reason": "maintenance", **values})
    assert isinstance(parsed, OverrideBody), parsed
    return parsed


def decide(**values: object) -> Override | Refusal:
    return decide_override("LOGS_LIST", body(**values), "alice", NOW, MAX)


@pytest.mark.parametrize("header", ["Bearer ops-secret", "bearer  ops-secret "])
def test_PART2_005_ops_token_names_the_operator(header: str) -> None:
    assert authenticate(header, OPS, FOUNDERS) == "alice"


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer wrong", "Basic ops-secret", "ops-secret"]
)
def test_PART2_005_missing_or_unknown_token_is_unauthorized(header: str | None) -> None:
    refusal = authenticate(header, OPS, FOUNDERS)
    assert isinstance(refusal, Refusal)
    assert (refusal.error_code, refusal.field) == (ErrorCode.UNAUTHORIZED, "Authorization")


def test_PART2_005_founder_token_is_forbidden_to_write_health() -> None:
    refusal = authenticate("Bearer founder-secret", OPS, FOUNDERS)
    assert isinstance(refusal, Refusal)
    assert refusal.error_code == ErrorCode.FORBIDDEN
    assert "PART2-005" in refusal.message


def test_PART2_005_override_with_ttl_expires_that_long_after_now() -> None:
    override = decide(ttl_seconds=600)
    assert isinstance(override, Override)
    assert (override.scope, override.status, override.operator) == (
        "LOGS_LIST",
        HealthStatus.DEGRADED,
        "alice",
    )
    assert (override.set_at, override.expires_at) == (NOW, NOW + timedelta(minutes=10))


def test_PART2_005_override_with_expires_at_keeps_it_in_any_time_zone() -> None:
    override = decide(expires_at="2025-06-02T13:00:00+02:00")
    assert isinstance(override, Override)
    assert override.expires_at == NOW + timedelta(hours=2)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "expires_at"),
        ({"ttl_seconds": 60, "expires_at": "2025-06-02T10:00:00Z"}, "expires_at"),
        ({"expires_at": "2025-06-02T09:00:00Z"}, "expires_at"),
        ({"expires_at": "2025-06-20T09:00:00Z"}, "expires_at"),
        ({"ttl_seconds": 8 * 24 * 3600}, "ttl_seconds"),
        ({"reason": "   ", "ttl_seconds": 60}, "reason"),
        ({"status": "UNKNOWN", "ttl_seconds": 60}, "status"),
    ],
)
def test_PART2_005_override_refusals_name_the_field(values: dict[str, object], field: str) -> None:
    refusal = decide(**values)
    assert isinstance(refusal, Refusal)
    assert (refusal.error_code, refusal.field) == (ErrorCode.INVALID_FIELD, field)


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        ([], ErrorCode.SCHEMA_VALIDATION_FAILED, "$"),
        ({"status": "BROKEN", "reason": "x", "ttl_seconds": 1}, ErrorCode.INVALID_FIELD, "status"),
        ({"status": "DEGRADED", "ttl_seconds": 1}, ErrorCode.INVALID_FIELD, "reason"),
        ({"status": "DEGRADED", "reason": "", "ttl_seconds": 1}, ErrorCode.INVALID_FIELD, "reason"),
        (
            {"status": "DEGRADED", "reason": "x", "ttl_seconds": 0},
            ErrorCode.INVALID_FIELD,
            "ttl_seconds",
        ),
        (
            {"status": "DEGRADED", "reason": "x", "expires_at": "2025-06-02T10:00:00"},
            ErrorCode.INVALID_FIELD,
            "expires_at",
        ),
        (
            {"status": "DEGRADED", "reason": "x", "ttl_seconds": 1, "who": "me"},
            ErrorCode.INVALID_FIELD,
            "who",
        ),
    ],
)
def test_PART2_005_bad_bodies_are_refused_with_the_field(raw: object, code, field) -> None:
    refusal = parse_body(raw)
    assert isinstance(refusal, Refusal)
    assert (refusal.error_code, refusal.field) == (code, field)


@pytest.mark.parametrize(
    ("raw", "scope"),
    [
        ("SYSTEM", "SYSTEM"),
        ("logs_list", "LOGS_LIST"),
        ("LOG_SEARCH", "LOG_SEARCH"),
        ("logs-list", None),
        ("", None),
        ("1ABC", None),
        ("A" * 101, None),
    ],
)
def test_PART2_005_scope_names(raw: str, scope: str | None) -> None:
    assert normalize_scope(raw) == scope

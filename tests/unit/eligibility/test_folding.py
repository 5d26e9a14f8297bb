"""Folding topic messages into the context: pure, positioned and idempotent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from govmesh.eligibility.domain import (
    EligibilityContext,
    apply_contract,
    apply_health,
    apply_registry,
    apply_signal,
)
from govmesh.schemas import SYSTEM_SCOPE, ContractStatus, HealthStatus, SignalType

from .factories import (
    CAPABILITY,
    NOW,
    OTHER_CAPABILITY,
    contract_lifecycle,
    governance_signal,
    health_signal,
    registry_state,
    uid,
)

pytestmark = pytest.mark.unit


def test_ELIG001_apply_registry_returns_new_context_and_leaves_input_alone() -> None:
    empty = EligibilityContext()
    ctx = apply_registry(empty, registry_state(CAPABILITY, frozen=True), 7, partition=2)
    assert CAPABILITY not in empty.capabilities
    assert ctx.capabilities[CAPABILITY].frozen
    assert ctx.capabilities[CAPABILITY].revision == 1
    assert ctx.context_versions()["registry.state"] == {"2": 7}
    assert empty.context_versions()["registry.state"] == {}


def test_ELIG005_registry_update_replaces_the_frozen_flag() -> None:
    ctx = apply_registry(EligibilityContext(), registry_state(CAPABILITY, frozen=True), 0)
    ctx = apply_registry(ctx, registry_state(CAPABILITY, frozen=False, revision=2), 1)
    assert not ctx.is_frozen(CAPABILITY, NOW)
    assert ctx.capabilities[CAPABILITY].revision == 2


def test_ELIG001_redelivered_or_older_offset_is_ignored() -> None:
    ctx = apply_registry(EligibilityContext(), registry_state(CAPABILITY, frozen=True), 5)
    replayed = apply_registry(ctx, registry_state(CAPABILITY, frozen=False), 5)
    older = apply_registry(ctx, registry_state(CAPABILITY, frozen=False), 4)
    assert replayed is ctx
    assert older is ctx


def test_ELIG001_positions_are_tracked_per_partition() -> None:
    ctx = apply_registry(EligibilityContext(), registry_state(CAPABILITY), 9, partition=0)
    ctx = apply_registry(ctx, registry_state(OTHER_CAPABILITY), 3, partition=1)
    assert set(ctx.capabilities) == {CAPABILITY, OTHER_CAPABILITY}
    assert ctx.context_versions()["registry.state"] == {"0": 9, "1": 3}


def test_ELIG005_apply_signal_records_and_withdraws_a_freeze() -> None:
    ctx = apply_signal(EligibilityContext(), governance_signal(CAPABILITY, SignalType.FROZEN), 0)
    assert ctx.is_frozen(CAPABILITY, NOW)
    ctx = apply_signal(ctx, governance_signal(CAPABILITY, SignalType.FROZEN, active=False), 1)
    assert not ctx.is_frozen(CAPABILITY, NOW)
    assert ctx.signals == {}
    assert ctx.context_versions()["governance.signals"] == {"0": 1}


def test_E003_signals_are_keyed_by_scope_and_type() -> None:
    ctx = apply_signal(EligibilityContext(), governance_signal(CAPABILITY, SignalType.FROZEN), 0)
    ctx = apply_signal(ctx, governance_signal(CAPABILITY, SignalType.BLOCKED), 1)
    ctx = apply_signal(ctx, governance_signal(CAPABILITY, SignalType.BLOCKED, active=False), 2)
    assert ctx.active_signal(CAPABILITY, SignalType.FROZEN, NOW) is not None
    assert ctx.active_signal(CAPABILITY, SignalType.BLOCKED, NOW) is None


def test_E003_signal_expiry_is_judged_at_evaluation_time() -> None:
    expires = NOW + timedelta(minutes=1)
    ctx = apply_signal(
        EligibilityContext(),
        governance_signal(SYSTEM_SCOPE, SignalType.BLOCKED, expires_at=expires),
        0,
    )
    assert ctx.active_signal(SYSTEM_SCOPE, SignalType.BLOCKED, NOW) is not None
    assert ctx.active_signal(SYSTEM_SCOPE, SignalType.BLOCKED, expires) is None


def test_E104_apply_health_keeps_system_scope_only() -> None:
    ctx = apply_health(EligibilityContext(), health_signal(HealthStatus.UNHEALTHY), 0)
    ctx = apply_health(ctx, health_signal(HealthStatus.HEALTHY, scope=CAPABILITY), 1)
    assert ctx.system_health is not None
    assert ctx.system_health.status is HealthStatus.UNHEALTHY
    assert ctx.context_versions()["health.signals"] == {"0": 1}


def test_E104_system_health_staleness() -> None:
    ctx = apply_health(EligibilityContext(), health_signal(valid_until=NOW), 0)
    assert ctx.system_health is not None
    assert ctx.system_health.is_healthy(NOW, None)
    assert not ctx.system_health.is_healthy(NOW + timedelta(microseconds=1), None)
    assert not ctx.system_health.is_healthy(NOW, timedelta(seconds=10))


def test_E006_apply_contract_tracks_open_and_drops_closed() -> None:
    ctx = apply_contract(
        EligibilityContext(),
        contract_lifecycle("c1", capabilities=(CAPABILITY, SYSTEM_SCOPE)),
        0,
    )
    entry = ctx.open_contracts[uid("c1")]
    assert entry.capabilities == frozenset({CAPABILITY})
    assert entry.status is ContractStatus.ELIGIBLE
    assert entry.issue_id == uid("issue-of-c1")
    ctx = apply_contract(ctx, contract_lifecycle("c1", status=ContractStatus.APPROVED), 1)
    assert ctx.open_contracts[uid("c1")].status is ContractStatus.APPROVED
    ctx = apply_contract(ctx, contract_lifecycle("c1", status=ContractStatus.REJECTED), 2)
    assert uid("c1") not in ctx.open_contracts
    assert ctx.context_versions()["contracts.lifecycle"] == {"0": 2}


def test_E006_closed_contract_first_seen_is_never_added() -> None:
    ctx = apply_contract(
        EligibilityContext(), contract_lifecycle("done", status=ContractStatus.COMPLETED), 0
    )
    assert ctx.open_contracts == {}


def test_ELIG001_equal_folds_give_equal_contexts() -> None:
    def fold() -> EligibilityContext:
        ctx = apply_registry(EligibilityContext(), registry_state(CAPABILITY), 0)
        ctx = apply_signal(ctx, governance_signal(CAPABILITY, SignalType.BLOCKED), 0)
        ctx = apply_health(ctx, health_signal(), 0)
        return apply_contract(ctx, contract_lifecycle("c"), 0)

    assert fold() == fold()


def test_ELIG001_context_versions_are_json_ready() -> None:
    ctx = apply_registry(EligibilityContext(), registry_state(CAPABILITY), 4, partition=1)
    versions = ctx.context_versions()
    assert json.loads(json.dumps(versions)) == versions

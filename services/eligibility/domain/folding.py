"""Folding topic messages into the eligibility context: pure, one function per topic.

Each `apply_*` takes a context, one message and its Kafka position and returns a new
context; the input is never changed. A message at or below the position a partition
already reflects returns the context unchanged, so an at-least-once redelivery can
neither regress state nor move a version backwards.

The service keeps one context per consumer and replaces it after every message; a
verdict is computed over whatever context is current when the proposal is handled, and
names its positions (ELIG-001). Copying a part costs O(size of that part), which is
small for registries, signals and open contracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import TypeVar

from govmesh.eligibility.domain.claims import settle_claims
from govmesh.eligibility.domain.context import (
    ActiveSignal,
    CapabilityState,
    EligibilityContext,
    OpenContract,
    Positions,
    SystemHealth,
)
from govmesh.eligibility.domain.scope import claims_for
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractLifecycle,
    ContractStatus,
    GovernanceSignal,
    HealthSignal,
    RegistryState,
)

K = TypeVar("K")
V = TypeVar("V")

#: E-006: a contract in one of these states no longer blocks a similar proposal.
CLOSED_STATUSES = frozenset(
    {
        ContractStatus.REJECTED,
        ContractStatus.EXPIRED,
        ContractStatus.FAILED,
        ContractStatus.COMPLETED,
        ContractStatus.SUPERSEDED,
    }
)


def _is_new(positions: Positions, partition: int, offset: int) -> bool:
    last = positions.get(partition)
    return last is None or offset > last


def _advanced(positions: Positions, partition: int, offset: int) -> Positions:
    return MappingProxyType({**positions, partition: offset})


def _with(mapping: Mapping[K, V], key: K, value: V | None) -> Mapping[K, V]:
    """A copy of `mapping` with `key` set to `value`, or removed when `value` is None."""
    updated = dict(mapping)
    if value is None:
        updated.pop(key, None)
    else:
        updated[key] = value
    return MappingProxyType(updated)


def apply_registry(
    ctx: EligibilityContext, state: RegistryState, offset: int, partition: int = 0
) -> EligibilityContext:
    """Record one capability's registry state (frozen flag for ELIG-005, presence for E-002)."""
    if not _is_new(ctx.registry_positions, partition, offset):
        return ctx
    entry = CapabilityState(
        name=state.name,
        enabled=state.enabled,
        frozen=state.frozen,
        lifecycle=state.lifecycle,
        revision=state.revision,
    )
    return replace(
        ctx,
        capabilities=_with(ctx.capabilities, state.name, entry),
        registry_positions=_advanced(ctx.registry_positions, partition, offset),
    )


def apply_signal(
    ctx: EligibilityContext, signal: GovernanceSignal, offset: int, partition: int = 0
) -> EligibilityContext:
    """Record or withdraw the signal for (scope, type); an inactive signal withdraws it.

    Expiry is kept, not judged here: whether a signal is active is decided against the
    evaluation's `now`, so a replay at the same instant sees the same signals.
    """
    if not _is_new(ctx.signal_positions, partition, offset):
        return ctx
    key = (signal.scope, signal.signal_type)
    entry = (
        ActiveSignal(
            scope=signal.scope,
            signal_type=signal.signal_type,
            issued_by=signal.issued_by,
            reason=signal.reason,
            issued_at=signal.issued_at,
            expires_at=signal.expires_at,
        )
        if signal.active
        else None
    )
    return replace(
        ctx,
        signals=_with(ctx.signals, key, entry),
        signal_positions=_advanced(ctx.signal_positions, partition, offset),
    )


def apply_health(
    ctx: EligibilityContext, signal: HealthSignal, offset: int, partition: int = 0
) -> EligibilityContext:
    """Record SYSTEM health for E-104; other scopes only advance the position."""
    if not _is_new(ctx.health_positions, partition, offset):
        return ctx
    health = ctx.system_health
    if signal.scope == SYSTEM_SCOPE:
        health = SystemHealth(
            status=signal.status,
            source=signal.source,
            observed_at=signal.observed_at,
            valid_until=signal.valid_until,
        )
    return replace(
        ctx,
        system_health=health,
        health_positions=_advanced(ctx.health_positions, partition, offset),
    )


def apply_contract(
    ctx: EligibilityContext, message: ContractLifecycle, offset: int, partition: int = 0
) -> EligibilityContext:
    """Track the contract while it is open (E-006); a closed status removes it.

    Either way the contract is now visible, so the pending claim it was created for (if
    any) is settled: the open-contracts view speaks for it from here on.
    """
    if not _is_new(ctx.contract_positions, partition, offset):
        return ctx
    contract = message.contract
    entry = (
        None
        if contract.status in CLOSED_STATUSES
        else OpenContract(
            contract_id=contract.contract_id,
            issue_id=contract.issue_id,
            status=contract.status,
            capabilities=frozenset(claims_for(contract)),
            created_at=contract.created_at,
            version=contract.version,
        )
    )
    return replace(
        settle_claims(ctx, contract.contract_id, contract.issue_id),
        open_contracts=_with(ctx.open_contracts, contract.contract_id, entry),
        contract_positions=_advanced(ctx.contract_positions, partition, offset),
    )

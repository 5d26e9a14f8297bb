"""The service's own state carried on its signals, and rebuilt from them at start.

The health service keeps no database (PART2-005 "stateless"), yet a restart must lose
nothing it accepted: every signal carries the scope's unexpired override and firing
alerts, `health.signals` is compacted by scope, so the newest signal of each scope is
the state to restore. Expired overrides are not restored; alerts stay until resolved
(see `state` for why `endsAt` is not used).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from govmesh.health.domain.state import ActiveAlert, Assessment, HealthState, Override
from govmesh.schemas import SYSTEM_SCOPE, HealthSignal


@dataclass(frozen=True)
class Snapshot:
    """Everything one scope's signal says apart from its times: compared to decide on
    publishing, so a change of the carried state alone is published too."""

    assessment: Assessment
    override: Override | None
    alerts: tuple[ActiveAlert, ...]


def snapshot(state: HealthState, scope: str, now: datetime) -> Snapshot:
    """The scope's value with the override in force at `now` and its firing alerts."""
    override = state.overrides.get(scope)
    if override is not None and not override.active(now):
        override = None
    return Snapshot(state.assess(scope, now), override, state.firing(scope))


def snapshot_all(state: HealthState, now: datetime) -> dict[str, Snapshot]:
    """Every published scope's snapshot at `now`."""
    return {scope: snapshot(state, scope, now) for scope in state.scopes()}


def newest_by_scope(signals: Iterable[HealthSignal]) -> dict[str, HealthSignal]:
    """The last signal of each scope in topic order (what compaction keeps)."""
    return {signal.scope: signal for signal in signals}


def restore(signals: Iterable[HealthSignal], now: datetime) -> HealthState:
    """The state the newest signal of each scope describes, as of `now`.

    Every scope seen is known again (a scope once named stays published), its firing
    alerts are active again and its override is restored only while unexpired
    (`now < expires_at`). Signals without carried state restore just the scope.
    """
    known: set[str] = {SYSTEM_SCOPE}
    alerts: dict[str, ActiveAlert] = {}
    overrides: dict[str, Override] = {}
    for scope, signal in newest_by_scope(signals).items():
        known.add(scope)
        for a in signal.alerts:
            alerts[a.fingerprint] = ActiveAlert(
                fingerprint=a.fingerprint,
                scope=scope,
                status=a.status,
                alertname=a.alertname,
                severity=a.severity,
                starts_at=a.starts_at,
                summary=a.summary,
                received_at=a.received_at,
            )
        carried = signal.override
        if carried is not None and now < carried.expires_at:
            overrides[scope] = Override(
                scope=scope,
                status=carried.status,
                reason=carried.reason,
                operator=carried.operator,
                set_at=carried.set_at,
                expires_at=carried.expires_at,
            )
    return HealthState(
        known=frozenset(known),
        alerts=MappingProxyType(alerts),
        overrides=MappingProxyType(overrides),
    )

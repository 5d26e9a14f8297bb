"""The effective state of a capability as founders see it (PART2-005).

Three parts decide it, in a fixed dominance order: health > lifecycle > qualifier.

- health (authority: only the health service writes `health.signals`): a fresh signal's
  status with the signal's recorded source; a stale signal (`now > valid_until`) or no
  signal at all is UNKNOWN, never HEALTHY (no phantom health). Any health other than
  HEALTHY is what the founder sees first, whatever the registry says.
- lifecycle (the registry record the executor publishes on `registry.state`): with
  HEALTHY health the registry decides: UNREGISTERED (no record) > DISABLED > FROZEN >
  DEPRECATED > PREVIEW > LAUNCHED (ENABLED when the record names no lifecycle).
- qualifier (a free-text label in the same record): only a refinement shown next to the
  state; it never changes the state the two parts above decide.

Every part names its source ("none" when there is nothing to name). Pure and
deterministic: the same inputs always give the same result, and lists are sorted by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from govmesh.schemas import SYSTEM_SCOPE, HealthSignal, HealthStatus, Lifecycle, RegistryState

#: The source of a part that has nothing recorded behind it.
NO_SOURCE = "none"


class Level(StrEnum):
    """The parts, strongest first (PART2-005 dominance order)."""

    HEALTH = "health"
    LIFECYCLE = "lifecycle"
    QUALIFIER = "qualifier"


class Freshness(StrEnum):
    FRESH = "fresh"
    STALE = "stale"
    NONE = "none"


class EffectiveState(StrEnum):
    """What the founder sees first; the first three come from health, the rest from the registry."""

    UNHEALTHY = "UNHEALTHY"
    UNKNOWN = "UNKNOWN"
    DEGRADED = "DEGRADED"
    UNREGISTERED = "UNREGISTERED"
    DISABLED = "DISABLED"
    FROZEN = "FROZEN"
    DEPRECATED = "DEPRECATED"
    PREVIEW = "PREVIEW"
    LAUNCHED = "LAUNCHED"
    ENABLED = "ENABLED"


@dataclass(frozen=True)
class HealthPart:
    """Health as the console may rely on it at `now`.

    `status` is what counts (UNKNOWN when stale or absent); `reported` is what the signal
    said, kept so a stale value is visible but never used; `source` is the signal's
    recorded source, or "none" without a signal.
    """

    status: HealthStatus
    source: str
    freshness: Freshness
    reported: HealthStatus | None = None
    reason: str = ""
    observed_at: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class LifecyclePart:
    """The registry's say: `state` from enabled, frozen and lifecycle; `source` its record."""

    state: EffectiveState
    source: str
    enabled: bool | None = None
    lifecycle: Lifecycle | None = None
    frozen: bool | None = None


@dataclass(frozen=True)
class QualifierPart:
    value: str | None
    source: str


@dataclass(frozen=True)
class CapabilityState:
    """One capability's effective `state`, the part that `decided` it, and every part."""

    name: str
    state: EffectiveState
    decided_by: Level
    health: HealthPart
    lifecycle: LifecyclePart
    qualifier: QualifierPart

    @property
    def refinement(self) -> str | None:
        """The qualifier, shown next to the state and never instead of it."""
        return self.qualifier.value

    def as_json(self) -> dict[str, Any]:
        """The API's representation (times in ISO 8601)."""
        h, lc = self.health, self.lifecycle
        return {
            "name": self.name,
            "effective_state": self.state.value,
            "decided_by": self.decided_by.value,
            "refinement": self.refinement,
            "health": {
                "status": h.status.value,
                "source": h.source,
                "freshness": h.freshness.value,
                "reported": h.reported.value if h.reported else None,
                "reason": h.reason,
                "observed_at": h.observed_at.isoformat() if h.observed_at else None,
                "valid_until": h.valid_until.isoformat() if h.valid_until else None,
            },
            "lifecycle": {
                "state": lc.state.value,
                "source": lc.source,
                "enabled": lc.enabled,
                "lifecycle": lc.lifecycle.value if lc.lifecycle else None,
                "frozen": lc.frozen,
            },
            "qualifier": {"value": self.qualifier.value, "source": self.qualifier.source},
        }


def registry_source(record: RegistryState) -> str:
    """How a registry-derived part names its source: the topic and the record's revision."""
    return f"registry.state#{record.revision}"


def health_part(signal: HealthSignal | None, now: datetime) -> HealthPart:
    """Health at `now`: fresh iff `now <= valid_until` (conventions); else UNKNOWN (PART2-005)."""
    if signal is None:
        return HealthPart(HealthStatus.UNKNOWN, NO_SOURCE, Freshness.NONE, reason="no signal")
    fresh = now <= signal.valid_until
    return HealthPart(
        status=signal.status if fresh else HealthStatus.UNKNOWN,
        source=signal.source,
        freshness=Freshness.FRESH if fresh else Freshness.STALE,
        reported=signal.status,
        reason=signal.reason,
        observed_at=signal.observed_at,
        valid_until=signal.valid_until,
    )


def lifecycle_part(record: RegistryState | None) -> LifecyclePart:
    """The registry's state; a record's flags outrank its lifecycle (disabled, then frozen)."""
    if record is None:
        return LifecyclePart(EffectiveState.UNREGISTERED, NO_SOURCE)
    if not record.enabled:
        state = EffectiveState.DISABLED
    elif record.frozen:
        state = EffectiveState.FROZEN
    elif record.lifecycle is None:
        state = EffectiveState.ENABLED
    else:
        state = EffectiveState(record.lifecycle.value)
    return LifecyclePart(
        state, registry_source(record), record.enabled, record.lifecycle, record.frozen
    )


def qualifier_part(record: RegistryState | None) -> QualifierPart:
    """The record's qualifier; a record without one still names itself as the source."""
    if record is None:
        return QualifierPart(None, NO_SOURCE)
    return QualifierPart(record.qualifier, registry_source(record))


def capability_state(
    name: str, signal: HealthSignal | None, record: RegistryState | None, now: datetime
) -> CapabilityState:
    """The effective state of `name` at `now` (PART2-005: health > lifecycle > qualifier).

    Health decides unless it is HEALTHY (UNHEALTHY, UNKNOWN — stale or missing — and
    DEGRADED all outrank any lifecycle); with HEALTHY health the registry decides; the
    qualifier is only ever the refinement.
    """
    health = health_part(signal, now)
    lifecycle = lifecycle_part(record)
    qualifier = qualifier_part(record)
    if health.status is not HealthStatus.HEALTHY:
        state, decided_by = EffectiveState(health.status.value), Level.HEALTH
    else:
        state, decided_by = lifecycle.state, Level.LIFECYCLE
    return CapabilityState(name, state, decided_by, health, lifecycle, qualifier)


def capability_states(
    registry: Mapping[str, RegistryState],
    health: Mapping[str, HealthSignal],
    now: datetime,
) -> tuple[CapabilityState, ...]:
    """Every capability the registry or health knows, sorted by name.

    SYSTEM is not a capability (its health is shown on its own); a health scope without
    a registry record is listed as UNREGISTERED rather than hidden.
    """
    known = {*registry, *health} - {SYSTEM_SCOPE}
    return tuple(
        capability_state(name, health.get(name), registry.get(name), now) for name in sorted(known)
    )

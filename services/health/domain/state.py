"""The health of every scope and where it comes from (PART2-005: no phantom health).

Combination rule per scope, in order:
1. an unexpired override (`now < expires_at`) wins: source `override:<operator>`;
2. else the worst active firing alert: source `alertmanager:<alertname>`;
3. else HEALTHY from `baseline`.

A firing alert stays active until a resolved notification with the same fingerprint
arrives. Its `endsAt` is deliberately not used to expire it: Alertmanager repeats a
notification only every `repeat_interval` (4 h by default), long after the `endsAt`
Prometheus sets, so expiring on it would report HEALTHY while the alert still fires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from govmesh.health.domain.mapping import Firing, Ignored, Observation, Resolved
from govmesh.health.domain.status import RANK
from govmesh.schemas import SYSTEM_SCOPE, HealthStatus

BASELINE_SOURCE = "baseline"
BASELINE_REASON = "no firing alert and no override"


@dataclass(frozen=True)
class ActiveAlert:
    """A firing alert as recorded, with when this service first heard of it."""

    fingerprint: str
    scope: str
    status: HealthStatus
    alertname: str
    severity: str
    starts_at: datetime
    summary: str
    received_at: datetime


@dataclass(frozen=True)
class Override:
    """A manual value set by an operator; it wins until `expires_at`."""

    scope: str
    status: HealthStatus
    reason: str
    operator: str
    set_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        """Unexpired: strictly before its expiry."""
        return now < self.expires_at


@dataclass(frozen=True)
class Assessment:
    """A scope's value and its recorded source; what a HealthSignal carries."""

    status: HealthStatus
    source: str
    reason: str


def _frozen(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class HealthState:
    """Known scopes, active alerts by fingerprint and overrides by scope; never mutated."""

    known: frozenset[str] = frozenset({SYSTEM_SCOPE})
    alerts: Mapping[str, ActiveAlert] = field(default_factory=lambda: MappingProxyType({}))
    overrides: Mapping[str, Override] = field(default_factory=lambda: MappingProxyType({}))

    def with_scopes(self, names: Iterable[str]) -> HealthState:
        """Scopes to publish even without alerts (e.g. every capability in the registry)."""
        return replace(self, known=self.known | frozenset(names))

    def observe(self, observation: Observation, now: datetime) -> HealthState:
        """Apply one mapped alert: firing records (or refreshes), resolved clears."""
        if isinstance(observation, Ignored):
            return self
        alerts = dict(self.alerts)
        if isinstance(observation, Resolved):
            alerts.pop(observation.fingerprint, None)
        else:
            assert isinstance(observation, Firing)
            previous = alerts.get(observation.fingerprint)
            alerts[observation.fingerprint] = ActiveAlert(
                fingerprint=observation.fingerprint,
                scope=observation.scope,
                status=observation.status,
                alertname=observation.alertname,
                severity=observation.severity,
                starts_at=observation.starts_at,
                summary=observation.summary,
                received_at=previous.received_at if previous else now,
            )
        # A scope once named stays published: its last signal must never be left
        # saying UNHEALTHY after the alert resolves (no phantom health).
        known = self.known | {observation.scope}
        return replace(self, alerts=MappingProxyType(alerts), known=known)

    def with_override(self, override: Override) -> HealthState:
        """Set (or replace) the override of its scope."""
        overrides = {**self.overrides, override.scope: override}
        known = self.known | {override.scope}
        return replace(self, overrides=MappingProxyType(overrides), known=known)

    def without_override(self, scope: str) -> HealthState:
        """Clear a scope's override (a no-op when there is none)."""
        overrides = {k: v for k, v in self.overrides.items() if k != scope}
        return replace(self, overrides=MappingProxyType(overrides))

    def expire(self, now: datetime) -> HealthState:
        """Forget overrides that have expired, so views no longer show them."""
        if all(o.active(now) for o in self.overrides.values()):
            return self
        kept = {k: v for k, v in self.overrides.items() if v.active(now)}
        return replace(self, overrides=MappingProxyType(kept))

    def next_expiry(self, now: datetime) -> datetime | None:
        """The earliest moment an active override stops winning, if any."""
        pending = [o.expires_at for o in self.overrides.values() if o.active(now)]
        return min(pending, default=None)

    def scopes(self) -> tuple[str, ...]:
        """Every scope to publish: SYSTEM first, then the others by name.

        Scopes named by the registry, an alert or an override stay for the process's life.
        """
        return (SYSTEM_SCOPE, *sorted(self.known - {SYSTEM_SCOPE}))

    def firing(self, scope: str) -> tuple[ActiveAlert, ...]:
        """The scope's active alerts, worst first (ties: earliest start, then name)."""
        alerts = [a for a in self.alerts.values() if a.scope == scope]
        return tuple(
            sorted(
                alerts,
                key=lambda a: (-RANK[a.status], a.starts_at, a.alertname, a.fingerprint),
            )
        )

    def assess(self, scope: str, now: datetime) -> Assessment:
        """The scope's value and source by the combination rule (module docstring)."""
        override = self.overrides.get(scope)
        if override is not None and override.active(now):
            return Assessment(
                override.status,
                f"override:{override.operator}",
                f"{override.reason} (until {override.expires_at.isoformat()})",
            )
        firing = self.firing(scope)
        if firing:
            top = firing[0]
            detail = f": {top.summary}" if top.summary else ""
            count = f"{len(firing)} firing alerts, worst " if len(firing) > 1 else ""
            return Assessment(
                top.status,
                f"alertmanager:{top.alertname}",
                f"{count}{top.alertname} ({top.severity}){detail}",
            )
        return Assessment(HealthStatus.HEALTHY, BASELINE_SOURCE, BASELINE_REASON)

    def assess_all(self, now: datetime) -> dict[str, Assessment]:
        """Every published scope's assessment at `now`."""
        return {scope: self.assess(scope, now) for scope in self.scopes()}

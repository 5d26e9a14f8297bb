"""From an Alertmanager alert to a health observation of one scope (PART2-005).

Scope: the first configured scope label present on the alert (default `capability`)
names the scope, upper-cased; no such label means SYSTEM. A label whose value is no
valid scope name also means SYSTEM: an alert is never dropped for a badly written
label, it degrades the widest scope instead (fail closed, never phantom health).

Status: the severity label (default `severity`) through the configured map (default
`critical` -> UNHEALTHY, `warning` -> DEGRADED); any other or a missing severity uses
`unmapped` (default None: the alert is ignored, e.g. an always-firing `Watchdog`
with severity `none`). Resolved alerts clear by fingerprint whatever their severity.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from govmesh.health.domain.alertmanager import AlertmanagerAlert
from govmesh.health.domain.scopes import normalize_scope
from govmesh.schemas import SYSTEM_SCOPE, HealthStatus

DEFAULT_SEVERITIES: Mapping[str, HealthStatus] = MappingProxyType(
    {"critical": HealthStatus.UNHEALTHY, "warning": HealthStatus.DEGRADED}
)
#: What an alert may say about a scope; HEALTHY is the absence of alerts, not an alert.
ALERT_STATUSES = frozenset({HealthStatus.DEGRADED, HealthStatus.UNHEALTHY})


@dataclass(frozen=True)
class AlertMapping:
    """How alert labels become scope and status (configurable via settings)."""

    scope_labels: tuple[str, ...] = ("capability",)
    severity_label: str = "severity"
    severities: Mapping[str, HealthStatus] = field(default_factory=lambda: DEFAULT_SEVERITIES)
    unmapped: HealthStatus | None = None

    def __post_init__(self) -> None:
        bad = {s for s in self.severities.values() if s not in ALERT_STATUSES}
        if self.unmapped is not None and self.unmapped not in ALERT_STATUSES:
            bad.add(self.unmapped)
        if bad:
            raise ValueError(f"an alert can only map to DEGRADED or UNHEALTHY, not {sorted(bad)}")
        lowered = {k.lower(): v for k, v in self.severities.items()}
        object.__setattr__(self, "severities", MappingProxyType(lowered))


@dataclass(frozen=True)
class Firing:
    """A firing alert that counts against `scope`."""

    fingerprint: str
    scope: str
    status: HealthStatus
    alertname: str
    severity: str
    starts_at: datetime
    summary: str
    note: str = ""


@dataclass(frozen=True)
class Resolved:
    """A resolved alert: whatever was recorded under `fingerprint` is cleared."""

    fingerprint: str
    scope: str
    alertname: str


@dataclass(frozen=True)
class Ignored:
    """A firing alert that says nothing about health under the configured mapping."""

    fingerprint: str
    alertname: str
    reason: str


Observation = Firing | Resolved | Ignored


def fingerprint_of(alert: AlertmanagerAlert) -> str:
    """Alertmanager's fingerprint, or one derived from the label set when it sent none."""
    if alert.fingerprint:
        return alert.fingerprint
    canonical = "\x00".join(f"{k}\x01{v}" for k, v in sorted(alert.labels.items()))
    return "labels:" + hashlib.sha256(canonical.encode()).hexdigest()[:16]


def scope_of(alert: AlertmanagerAlert, mapping: AlertMapping) -> tuple[str, str]:
    """The alert's scope and, when a label was unusable, a note saying so."""
    for label in mapping.scope_labels:
        value = alert.labels.get(label, "")
        if not value:
            continue
        scope = normalize_scope(value)
        if scope is None:
            return SYSTEM_SCOPE, f"label {label}={value!r} is not a scope name; counted on SYSTEM"
        return scope, ""
    return SYSTEM_SCOPE, ""


def map_alert(alert: AlertmanagerAlert, mapping: AlertMapping) -> Observation:
    """Map one alert of a webhook notification (see the module docstring)."""
    fingerprint = fingerprint_of(alert)
    scope, note = scope_of(alert, mapping)
    if alert.status == "resolved":
        return Resolved(fingerprint, scope, alert.alertname)
    severity = alert.labels.get(mapping.severity_label, "")
    status = mapping.severities.get(severity.lower(), mapping.unmapped)
    if status is None:
        return Ignored(
            fingerprint,
            alert.alertname,
            f"{mapping.severity_label}={severity!r} maps to no health status "
            f"(mapped: {sorted(mapping.severities)})",
        )
    summary = alert.annotations.get("summary") or alert.annotations.get("description", "")
    return Firing(
        fingerprint=fingerprint,
        scope=scope,
        status=status,
        alertname=alert.alertname,
        severity=severity,
        starts_at=alert.starts_at,
        summary=summary,
        note=note,
    )

"""Health truth (PART2-005): every value names its source; no phantom health."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from govmesh.schemas.common import HealthStatus, Message, Model


class HealthSignalOverride(Model):
    """The manual override in force on the scope when the signal was observed."""

    status: HealthStatus
    reason: str
    operator: str
    set_at: AwareDatetime
    expires_at: AwareDatetime


class HealthSignalAlert(Model):
    """One firing Alertmanager alert on the scope when the signal was observed."""

    fingerprint: str = Field(min_length=1)
    alertname: str
    status: HealthStatus
    severity: str = ""
    summary: str = ""
    starts_at: AwareDatetime
    received_at: AwareDatetime


class HealthSignal(Message):
    """A scope's health with its source.

    `override` and `alerts` carry the health service's own state for the scope, so a
    restarted health service rebuilds it from the newest signal per scope on the
    compacted topic; producers that do not carry them leave the defaults.
    """

    TYPE = "HealthSignal"

    scope: str = Field(min_length=1)
    status: HealthStatus
    source: str = Field(min_length=1)
    reason: str
    observed_at: AwareDatetime
    valid_until: AwareDatetime
    override: HealthSignalOverride | None = None
    alerts: list[HealthSignalAlert] = Field(default_factory=list)

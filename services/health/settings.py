"""Health settings (GOVMESH_* environment variables).

Beyond `MeshSettings`:
- `GOVMESH_OPS_TOKENS` `{"<token>": "<operator>"}`: who may override health;
  `GOVMESH_FOUNDER_TOKENS` is read only to answer a founder token with 403.
- `GOVMESH_HEALTH_HEARTBEAT_S` (default 5): republish period; signals are valid 3x.
- `GOVMESH_HEALTH_SCOPE_LABELS` (JSON list, default `["capability"]`): alert labels
  naming the scope, first present wins; none present means SYSTEM.
- `GOVMESH_HEALTH_SEVERITY_LABEL` (default `severity`) and `GOVMESH_HEALTH_SEVERITY_MAP`
  (JSON, default `{"critical": "UNHEALTHY", "warning": "DEGRADED"}`);
  `GOVMESH_HEALTH_UNMAPPED_SEVERITY` (DEGRADED/UNHEALTHY; unset: such alerts are ignored).
- `GOVMESH_HEALTH_OVERRIDE_MAX_S` (default 7 days): the longest an override may last.
- `GOVMESH_HEALTH_ALERTMANAGER_TOKENS` (JSON `{"<token>": "<name>"}`, optional): when set,
  the webhook requires `Authorization: Bearer <token>` (Alertmanager `http_config`).
- `GOVMESH_HEALTH_MAX_BODY_BYTES` (default 1 MiB).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from govmesh.health.domain import AlertMapping
from govmesh.health.domain.mapping import DEFAULT_SEVERITIES
from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import HealthStatus, Principal


class HealthSettings(MeshSettings):
    principal: Principal = Principal.HEALTH
    ops_tokens: dict[str, str] = Field(default_factory=dict)
    founder_tokens: dict[str, str] = Field(default_factory=dict)
    health_heartbeat_s: float = Field(default=5.0, gt=0, le=3600)
    health_scope_labels: list[str] = Field(default_factory=lambda: ["capability"])
    health_severity_label: str = Field(default="severity", min_length=1)
    health_severity_map: dict[str, HealthStatus] = Field(
        default_factory=lambda: dict(DEFAULT_SEVERITIES)
    )
    health_unmapped_severity: HealthStatus | None = None
    health_override_max_s: float = Field(default=7 * 24 * 3600.0, gt=0)
    health_alertmanager_tokens: dict[str, str] = Field(default_factory=dict)
    health_max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)

    @model_validator(mode="after")
    def _check(self) -> HealthSettings:
        if self.principal is not Principal.HEALTH:
            raise ValueError(f"the health service runs as principal 'health', not {self.principal}")
        for name in ("ops_tokens", "founder_tokens", "health_alertmanager_tokens"):
            if any(not token for token in getattr(self, name)):
                raise ValueError(f"{name}: a token must not be empty")
        self.alert_mapping()  # refuses a map to HEALTHY or UNKNOWN at start-up
        return self

    def alert_mapping(self) -> AlertMapping:
        return AlertMapping(
            scope_labels=tuple(self.health_scope_labels),
            severity_label=self.health_severity_label,
            severities=dict(self.health_severity_map),
            unmapped=self.health_unmapped_severity,
        )

    def heartbeat(self) -> timedelta:
        return timedelta(seconds=self.health_heartbeat_s)

    def override_max(self) -> timedelta:
        return timedelta(seconds=self.health_override_max_s)

"""Ingest settings (GOVMESH_* environment variables), refusing dev secrets outside dev mode."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from govmesh.ingest.domain import ANY_SOURCE_SYSTEM, IngestPolicy, RateLimit
from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal

DEV_API_KEY = "dev-crm-key"


class IngestSettings(MeshSettings):
    """`api_keys` maps an API key to the `source_system` it may submit for (`*`: any).

    Unset in dev mode, it is `{"dev-crm-key": "*"}`; that key is refused outside dev mode.
    The rate limit is per API key (token bucket); the schema is the service's own.
    """

    principal: Principal = Principal.INGEST
    api_keys: dict[str, str] | None = None
    rate_limit_per_s: float = Field(default=20.0, gt=0)
    rate_limit_burst: int = Field(default=100, ge=1)
    max_payload_bytes: int = Field(default=64 * 1024, ge=1024, le=16 * 1024 * 1024)
    duplicate_window_hours: float = Field(default=24.0, gt=0)
    timestamp_window_days: float = Field(default=7.0, gt=0)
    db_schema: str = Field(default="ingest", pattern=r"^[a-z_][a-z0-9_]{0,62}$")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> IngestSettings:
        if self.principal is not Principal.INGEST:
            raise ValueError(f"the ingest service runs as principal 'ingest', not {self.principal}")
        if not self.dev_mode and self.api_keys and DEV_API_KEY in self.api_keys:
            raise ValueError(
                f"the development API key {DEV_API_KEY!r} is refused outside dev mode; "
                "set GOVMESH_API_KEYS to your own keys"
            )
        if any(not key for key in self.api_keys or {}):
            raise ValueError("an API key must not be empty")
        return self

    def api_key_bindings(self) -> dict[str, str]:
        """The configured keys, or the development key when none are set in dev mode."""
        if self.api_keys is None and self.dev_mode:
            return {DEV_API_KEY: ANY_SOURCE_SYSTEM}
        return dict(self.api_keys or {})

    def policy(self) -> IngestPolicy:
        return IngestPolicy(
            max_payload_bytes=self.max_payload_bytes,
            timestamp_window=timedelta(days=self.timestamp_window_days),
            duplicate_window=timedelta(hours=self.duplicate_window_hours),
        )

    def rate_limit(self) -> RateLimit:
        return RateLimit(rate_per_s=self.rate_limit_per_s, burst=self.rate_limit_burst)

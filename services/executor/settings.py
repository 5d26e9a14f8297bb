"""Executor settings (GOVMESH_* environment variables)."""

from __future__ import annotations

import os
import socket
import uuid

from pydantic import Field, model_validator

from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal


def _instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class ExecutorSettings(MeshSettings):
    """`lease_s`: how long a job stays owned without a heartbeat before another executor
    may resume it (heartbeats every `lease_s / 3`); `sweep_interval_s`: how often each
    executor looks for jobs whose lease expired. `webhook_url`: the default target of
    webhook steps without their own `url` parameter; `webhook_timeout_s` bounds one call.
    """

    principal: Principal = Principal.EXECUTOR
    db_schema: str = Field(default="executor", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    instance_id: str = Field(default_factory=_instance_id, min_length=1, max_length=200)
    lease_s: float = Field(default=15.0, gt=0.5, le=3600)
    sweep_interval_s: float = Field(default=1.0, gt=0, le=600)
    max_running_jobs: int = Field(default=100, ge=1, le=10_000)
    webhook_url: str | None = None
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=600)
    webhook_attempts: int = Field(default=3, ge=1, le=20)

    @model_validator(mode="after")
    def _executor_only(self) -> ExecutorSettings:
        if self.principal is not Principal.EXECUTOR:
            raise ValueError(f"the executor runs as principal 'executor', not {self.principal}")
        return self

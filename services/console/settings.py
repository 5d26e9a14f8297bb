"""Console settings (GOVMESH_* environment variables), refusing unsafe secrets outside dev mode."""

from __future__ import annotations

import secrets

from pydantic import Field, SecretStr, model_validator

from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal

MIN_SECRET_LENGTH = 32
MAX_FOUNDER_NAME = 100  # FounderDecision.founder


class ConsoleSettings(MeshSettings):
    """`founder_tokens` maps a bearer token to the founder's name (GOVMESH_FOUNDER_TOKENS).

    `console_secret` signs session cookies and CSRF tokens (GOVMESH_CONSOLE_SECRET); in
    dev mode a missing secret is generated per process (sessions then end on restart).
    `contracts_url` (GOVMESH_CONTRACTS_URL), when set, links contracts, history and audits
    to the contracts read API.
    """

    principal: Principal = Principal.CONSOLE
    founder_tokens: dict[str, str] = Field(default_factory=dict)
    console_secret: SecretStr | None = None
    contracts_url: str | None = None
    session_max_age_s: int = Field(default=12 * 3600, ge=60, le=30 * 24 * 3600)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> ConsoleSettings:
        if self.principal is not Principal.CONSOLE:
            raise ValueError(f"the console runs as principal 'console', not {self.principal}")
        for token, name in self.founder_tokens.items():
            if not token or not name.strip():
                raise ValueError("a founder token and its founder name must not be empty")
            if len(name) > MAX_FOUNDER_NAME:
                raise ValueError(f"founder name {name[:20]!r}… is longer than {MAX_FOUNDER_NAME}")
        if self.dev_mode:
            return self
        if not self.founder_tokens:
            raise ValueError("GOVMESH_FOUNDER_TOKENS is required outside dev mode")
        secret = self.console_secret.get_secret_value() if self.console_secret else ""
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"GOVMESH_CONSOLE_SECRET of at least {MIN_SECRET_LENGTH} characters is "
                "required outside dev mode"
            )
        return self

    def session_secret(self) -> str:
        """The configured secret, or (dev mode only, checked above) a fresh one per call.

        Call it once per process, in the composition root.
        """
        if self.console_secret is not None and self.console_secret.get_secret_value():
            return self.console_secret.get_secret_value()
        return secrets.token_urlsafe(MIN_SECRET_LENGTH)

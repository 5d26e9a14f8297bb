"""Contracts settings (GOVMESH_* environment variables)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, model_validator

from govmesh.contracts.domain import TimerPolicy
from govmesh.contracts.domain.outcome import OutcomePolicy
from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal, Severity


class ContractsSettings(MeshSettings):
    """The contract authority's configuration.

    - `db_schema`: its own PostgreSQL schema (default "contracts").
    - `timer_interval_s`: how often the timer loop polls for due timers; a commit that
      schedules a timer already due wakes it at once (tests use a short interval).
    - `review_ttl_hours` / `review_warning_hours` / `review_escalation_hours`: REVIEW-006
      (7 d, 5 d, 6 d).
    - `activation_window_hours`: REVIEW-003 default window length (24 h).
    - `required_approvals`: distinct founders needed per risk level, e.g.
      `{"critical": 2}` (missing levels need 1).
    - `founder_tokens`: the console's `{"<token>": "<founder>"}` map (GOVMESH_FOUNDER_TOKENS);
      when set, only those founders have review authority. Unset: the console's
      authentication alone decides who is a founder.
    """

    principal: Principal = Principal.CONTRACTS
    db_schema: str = Field(default="contracts", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    timer_interval_s: float = Field(default=1.0, gt=0, le=60)
    timer_batch: int = Field(default=100, ge=1, le=10_000)
    #: How often the SPEC §12 review backlog gauges are read from the database.
    backlog_interval_s: float = Field(default=15.0, gt=0, le=3600)
    review_ttl_hours: float = Field(default=7 * 24, gt=0)
    review_warning_hours: float = Field(default=5 * 24, gt=0)
    review_escalation_hours: float = Field(default=6 * 24, gt=0)
    activation_window_hours: float = Field(default=24, gt=0)
    required_approvals: dict[Severity, int] = Field(default_factory=dict)
    founder_tokens: dict[str, str] | None = None
    #: GOVMESH_STEP_HOOKS: capability → URL of the external system that provisions it; its
    #: jobs end with a webhook step telling that system what changed (`plan_job` hooks).
    step_hooks: dict[str, str] = Field(default_factory=dict)
    # Outcome (SPEC §8, §9): GOVMESH_CONTRACTS_BAKE_S, GOVMESH_CONTRACTS_BAKE_CHECK_S,
    # GOVMESH_CONTRACTS_AUDIT_TIMEOUT_S — see `outcome_policy`.
    contracts_bake_s: float = Field(default=300.0, gt=0)
    contracts_bake_check_s: float = Field(default=5.0, gt=0)
    contracts_audit_timeout_s: float = Field(default=600.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> ContractsSettings:
        if self.principal is not Principal.CONTRACTS:
            raise ValueError(f"the contracts service runs as 'contracts', not {self.principal}")
        self.timer_policy()  # refuses warning >= escalation >= ttl
        if any(n < 1 for n in self.required_approvals.values()):
            raise ValueError("required_approvals must be at least 1 per risk level")
        return self

    def timer_policy(self) -> TimerPolicy:
        return TimerPolicy(
            ttl=timedelta(hours=self.review_ttl_hours),
            review_warning_after=timedelta(hours=self.review_warning_hours),
            review_escalation_after=timedelta(hours=self.review_escalation_hours),
        )

    def outcome_policy(self) -> OutcomePolicy:
        """Bake period and its health checks (SPEC §9), audit escalation timeout (SPEC §8)."""
        return OutcomePolicy(
            bake=timedelta(seconds=self.contracts_bake_s),
            bake_check=timedelta(seconds=self.contracts_bake_check_s),
            audit_timeout=timedelta(seconds=self.contracts_audit_timeout_s),
        )

    def founders(self) -> frozenset[str] | None:
        """Founders with review authority, or None when the console alone decides."""
        if self.founder_tokens is None:
            return None
        return frozenset(self.founder_tokens.values())

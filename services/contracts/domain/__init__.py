"""Pure domain of the contract authority: no I/O, no clock, no globals (time is passed in).

- `states`: the SPEC §5 transition table, terminal and audit states.
- `guards`: per-status invariants, each with its SQL twin.
- `machine`: `transition` — the only way a contract changes status.
- `creation`: a contract from an assessed proposal.
- `review`: founder decisions (SPEC §6).
- `revision`: MODIFY_SCOPE drafts and their fresh assessment (REVIEW-005).
- `cancel`: CANCEL_JOB checks (SPEC §7).
- `lifecycle`: activation, window close, expiry, audit outcome.
- `ttl` / `timers`: the review clock, its pauses and the timers it schedules.
- `jobplan`: the job (and rollback job) derived from proposed_changes.
- `trigger_sql`: the database trigger generated from the same table.
"""

from govmesh.contracts.domain.cancel import cancel_job
from govmesh.contracts.domain.creation import (
    create_from_assessment,
    duplicate_reason,
    needs_escalation_notice,
    rejection_reason,
)
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.contracts.domain.guards import STATUS_GUARDS, StatusGuard, check_status_guards
from govmesh.contracts.domain.ids import (
    contract_id_for,
    execution_job_id,
    revision_contract_id,
    rollback_job_id,
)
from govmesh.contracts.domain.jobplan import plan_job, plan_rollback
from govmesh.contracts.domain.lifecycle import activate, apply_audit_verdict, close_window, expire
from govmesh.contracts.domain.machine import transition
from govmesh.contracts.domain.review import (
    Refusal,
    ReviewContext,
    ReviewOutcome,
    ReviewRecord,
    ReviewResult,
    Revision,
    decide,
)
from govmesh.contracts.domain.revision import assess_revision, draft_revision
from govmesh.contracts.domain.states import (
    ALLOWED_PAIRS,
    AUDIT_STATES,
    INTAKE_STATES,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    TransitionRule,
    allowed_targets,
    rule_for,
)
from govmesh.contracts.domain.timers import (
    TIMER_NOTIFICATIONS,
    Timer,
    TimerKind,
    TimerPolicy,
    due_timers,
    scheduled_timers,
)
from govmesh.contracts.domain.trigger_sql import drop_trigger_sql, trigger_sql
from govmesh.contracts.domain.ttl import (
    DEFAULT_TTL,
    Pause,
    contract_expiry,
    effective_expiry,
    is_expired,
)

__all__ = [
    "ALLOWED_PAIRS",
    "AUDIT_STATES",
    "DEFAULT_TTL",
    "INTAKE_STATES",
    "OPEN",
    "STATUS_GUARDS",
    "TERMINAL",
    "TIMER_NOTIFICATIONS",
    "TRANSITIONS",
    "ContractRuleViolation",
    "Pause",
    "Refusal",
    "ReviewContext",
    "ReviewOutcome",
    "ReviewRecord",
    "ReviewResult",
    "Revision",
    "StatusGuard",
    "Timer",
    "TimerKind",
    "TimerPolicy",
    "TransitionRule",
    "activate",
    "allowed_targets",
    "apply_audit_verdict",
    "assess_revision",
    "cancel_job",
    "check_status_guards",
    "close_window",
    "contract_expiry",
    "contract_id_for",
    "create_from_assessment",
    "decide",
    "draft_revision",
    "drop_trigger_sql",
    "due_timers",
    "duplicate_reason",
    "effective_expiry",
    "execution_job_id",
    "expire",
    "is_expired",
    "needs_escalation_notice",
    "plan_job",
    "plan_rollback",
    "rejection_reason",
    "revision_contract_id",
    "rollback_job_id",
    "rule_for",
    "scheduled_timers",
    "transition",
    "trigger_sql",
]

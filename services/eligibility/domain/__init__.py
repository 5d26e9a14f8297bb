"""The pure eligibility gate (SPEC §4): context snapshot, folding, rules and `evaluate`.

No I/O, no clock: the service folds topic messages into an `EligibilityContext` with
the `apply_*` functions and calls `evaluate(proposal, context, config, now)`.
"""

from govmesh.eligibility.domain.config import EligibilityConfig
from govmesh.eligibility.domain.context import (
    ActiveSignal,
    CapabilityState,
    EligibilityContext,
    OpenContract,
    SystemHealth,
)
from govmesh.eligibility.domain.evaluate import ALL_PASSED, evaluate
from govmesh.eligibility.domain.folding import (
    CLOSED_STATUSES,
    apply_contract,
    apply_health,
    apply_registry,
    apply_signal,
)
from govmesh.eligibility.domain.rules import PREREQUISITE, RULES
from govmesh.eligibility.domain.scope import claims_for, proposal_scope

__all__ = [
    "ALL_PASSED",
    "CLOSED_STATUSES",
    "PREREQUISITE",
    "RULES",
    "ActiveSignal",
    "CapabilityState",
    "EligibilityConfig",
    "EligibilityContext",
    "OpenContract",
    "SystemHealth",
    "apply_contract",
    "apply_health",
    "apply_registry",
    "apply_signal",
    "claims_for",
    "evaluate",
    "proposal_scope",
]

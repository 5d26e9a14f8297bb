"""The pure eligibility gate (SPEC §4): context snapshot, folding, rules and `evaluate`.

No I/O, no clock: the service folds topic messages into an `EligibilityContext` with
the `apply_*` functions, calls `assess(proposal, context, config, now)` (which wraps
`evaluate`) and records the claims of each MAY verdict with `add_claim`.
"""

from govmesh.eligibility.domain.assess import assess
from govmesh.eligibility.domain.claims import add_claim, expire_claims, settle_claims
from govmesh.eligibility.domain.config import EligibilityConfig
from govmesh.eligibility.domain.context import (
    ActiveSignal,
    CapabilityState,
    EligibilityContext,
    OpenContract,
    PendingClaim,
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
    "PendingClaim",
    "SystemHealth",
    "add_claim",
    "apply_contract",
    "apply_health",
    "apply_registry",
    "apply_signal",
    "assess",
    "claims_for",
    "evaluate",
    "expire_claims",
    "proposal_scope",
    "settle_claims",
]

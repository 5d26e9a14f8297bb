"""`evaluate`: the eligibility verdict for one proposal over one context snapshot (SPEC §4).

Every rule in `RULES` is evaluated, always, and recorded in `rules_evaluated`, so a
founder sees every rule's outcome; the decision is taken by the first failure in that
order (ELIG-003, ELIG-004), which is named in `first_failing_rule` and gives the verdict's
reason. Evaluating the rest cannot change the decision: the rules are pure lookups.
"""

from __future__ import annotations

from datetime import datetime

from govmesh.eligibility.domain.config import EligibilityConfig
from govmesh.eligibility.domain.context import PENDING_CLAIMS, EligibilityContext
from govmesh.eligibility.domain.rules import RULES, Facts
from govmesh.eligibility.domain.scope import claims_for, proposal_scope
from govmesh.schemas import (
    EligibilityDecision,
    EligibilityVerdict,
    ProposalValidated,
    RuleResult,
)

#: The `context_versions` key carrying the configuration fingerprint.
CONFIG_KEY = "config"
#: The verdict's reason when every rule passed (ELIG-002: there is always a reason).
ALL_PASSED = "All eligibility rules passed"


def evaluate(
    proposal: ProposalValidated,
    context: EligibilityContext,
    config: EligibilityConfig,
    now: datetime,
) -> EligibilityVerdict:
    """MAY or MAY_NOT for `proposal`, replayable from the same inputs (ELIG-001).

    `now` must be timezone-aware and is recorded as `evaluated_at`, so evaluating again
    at that instant over the same snapshot yields the identical verdict. (The service
    passes its clock's time: health staleness, signal expiry and the E-006 window are
    judged when the decision is taken, not when the proposal was produced.)
    `context_versions` names the context's positions plus the configuration fingerprint,
    and, when there are any, the pending claims on the proposal's capabilities (E-006).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("evaluate needs a timezone-aware `now`")
    facts = Facts(proposal, context, config, now, proposal_scope(proposal))
    results: list[RuleResult] = []
    blocking: dict[str, None] = {}
    missing: dict[str, None] = {}
    first_failure: RuleResult | None = None
    for rule_id, rule in RULES:
        outcome = rule(facts)
        result = RuleResult(rule=rule_id, passed=outcome.passed, reason=outcome.reason)
        results.append(result)
        blocking.update(dict.fromkeys(outcome.blocking_signals))
        missing.update(dict.fromkeys(outcome.missing))
        if first_failure is None and not outcome.passed:
            first_failure = result
    versions: dict[str, object] = {**context.context_versions()}
    pending = context.claims_sharing(set(claims_for(proposal)))
    if pending:
        versions[PENDING_CLAIMS] = pending
    versions[CONFIG_KEY] = config.fingerprint()
    return EligibilityVerdict(
        decision=EligibilityDecision.MAY if first_failure is None else EligibilityDecision.MAY_NOT,
        reason=ALL_PASSED if first_failure is None else first_failure.reason,
        rules_evaluated=results,
        first_failing_rule=None if first_failure is None else first_failure.rule,
        blocking_signals=list(blocking),
        missing_prerequisites=list(missing),
        evaluated_at=now,
        rules_version=config.rules_version,
        context_versions=versions,
    )

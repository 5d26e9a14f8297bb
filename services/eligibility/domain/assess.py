"""`assess`: the message the gate publishes for one validated proposal (SPEC §4, step 3)."""

from __future__ import annotations

from datetime import datetime

from govmesh.eligibility.domain.config import EligibilityConfig
from govmesh.eligibility.domain.context import EligibilityContext
from govmesh.eligibility.domain.evaluate import evaluate
from govmesh.schemas import ProposalAssessed, ProposalValidated


def assess(
    proposal: ProposalValidated,
    context: EligibilityContext,
    config: EligibilityConfig,
    now: datetime,
) -> ProposalAssessed:
    """The proposal with its eligibility verdict, a pure function of the inputs (ELIG-001).

    Everything the contract authority needs travels with it: the CRM event, the
    validator's verdict, and the contract ids a founder revision carries.
    """
    return ProposalAssessed(
        issue_id=proposal.issue_id,
        event=proposal.event,
        verdict=proposal.verdict,
        eligibility=evaluate(proposal, context, config, now),
        contract_id=proposal.contract_id,
        parent_contract_id=proposal.parent_contract_id,
    )

"""Pending claims: E-006 for proposals decided in order before their contracts are visible.

A MAY verdict leads, through the contract authority, to an open contract on
`contracts.lifecycle`; until that message has been folded in, a second proposal for the
same capability would see no open contract and pass E-006 too. So every MAY verdict
claims its capabilities (`claims_for`) in the context, and the claim is settled (dropped)
when the contract it led to appears on `contracts.lifecycle`, open or closed: from then on
the open-contracts view speaks for it. A claim whose contract never appears stops counting
once it is older than the duplicate window, like an open contract would, and is pruned.

This is the in-order half of E-006 within one eligibility process; the race-free half is
the contract authority's unique claim per capability (ARCHITECTURE "Race-free rules").
All functions are pure and return a new context.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from uuid import UUID

from govmesh.eligibility.domain.context import EligibilityContext, PendingClaim
from govmesh.eligibility.domain.scope import claims_for
from govmesh.schemas import EligibilityDecision, EligibilityVerdict, ProposalValidated


def add_claim(
    ctx: EligibilityContext,
    proposal: ProposalValidated,
    verdict: EligibilityVerdict,
    assessment_id: UUID,
) -> EligibilityContext:
    """Record the claims of a MAY verdict (E-006); MAY_NOT or nothing to claim: unchanged.

    Keyed by `assessment_id`, so a redelivered proposal replaces its own claim instead of
    adding a second one. The claim is dated `verdict.evaluated_at`.
    """
    if verdict.decision is not EligibilityDecision.MAY:
        return ctx
    capabilities = frozenset(claims_for(proposal))
    if not capabilities:
        return ctx
    claim = PendingClaim(
        assessment_id=assessment_id,
        issue_id=proposal.issue_id,
        contract_id=proposal.contract_id,
        capabilities=capabilities,
        claimed_at=verdict.evaluated_at,
    )
    claims = dict(ctx.pending_claims)
    claims[assessment_id] = claim
    return replace(ctx, pending_claims=MappingProxyType(claims))


def settle_claims(ctx: EligibilityContext, contract_id: UUID, issue_id: UUID) -> EligibilityContext:
    """Drop the claims the contract `contract_id` of `issue_id` was created for."""
    kept = {
        key: claim
        for key, claim in ctx.pending_claims.items()
        if not claim.settled_by(contract_id, issue_id)
    }
    if len(kept) == len(ctx.pending_claims):
        return ctx
    return replace(ctx, pending_claims=MappingProxyType(kept))


def expire_claims(ctx: EligibilityContext, now: datetime, window: timedelta) -> EligibilityContext:
    """Prune claims older than the E-006 window at `now`: they no longer count anyway."""
    since = now - window
    kept = {key: claim for key, claim in ctx.pending_claims.items() if claim.claimed_at >= since}
    if len(kept) == len(ctx.pending_claims):
        return ctx
    return replace(ctx, pending_claims=MappingProxyType(kept))

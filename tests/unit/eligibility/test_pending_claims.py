"""Pending claims: E-006 in order for MAY verdicts whose contracts are not visible yet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.eligibility.domain import (
    EligibilityConfig,
    EligibilityContext,
    add_claim,
    expire_claims,
    settle_claims,
)
from govmesh.schemas import ContractStatus, EligibilityDecision, ProposalValidated

from .factories import (
    CAPABILITY,
    NOW,
    OTHER_CAPABILITY,
    assess,
    context,
    contract_lifecycle,
    proposal,
    system_update,
    uid,
    with_contracts,
)

pytestmark = pytest.mark.unit


def claimed(ctx: EligibilityContext, subject: ProposalValidated, label: str) -> EligibilityContext:
    """`ctx` after `subject` was judged over it and its claims recorded."""
    return add_claim(ctx, subject, assess(subject, ctx), uid(label))


def test_E006_may_verdict_claims_its_capabilities() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    (claim,) = ctx.pending_claims.values()
    assert claim.assessment_id == uid("a1")
    assert claim.issue_id == uid("first")
    assert claim.capabilities == {CAPABILITY}
    assert claim.claimed_at == NOW


def test_E006_may_not_verdict_claims_nothing() -> None:
    ctx = context(health=None)
    assert claimed(ctx, proposal(issue="first"), "a1").pending_claims == {}


def test_E006_system_only_change_claims_nothing() -> None:
    subject = proposal(capabilities=(), changes=[system_update()])
    verdict = assess(subject)
    assert verdict.decision is EligibilityDecision.MAY_NOT  # E-103, but claims are empty anyway
    may = verdict.model_copy(update={"decision": EligibilityDecision.MAY})
    assert add_claim(context(), subject, may, uid("a")).pending_claims == {}


def test_E006_second_proposal_same_capability_fails_on_pending_claim() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    verdict = assess(proposal(issue="second"), ctx)
    assert verdict.first_failing_rule == "E-006"
    assert verdict.reason == (
        f"Similar contract already pending: issue {uid('first')} (contract not yet created)"
    )


def test_E006_pending_claim_of_a_revision_is_named_by_its_contract() -> None:
    revision = proposal(issue="first", contract_id=uid("rev"), parent_contract_id=uid("parent"))
    ctx = claimed(context(), revision, "a1")
    verdict = assess(proposal(issue="second"), ctx)
    assert verdict.reason == f"Similar contract already pending: {uid('rev')}"


def test_E006_pending_claim_on_other_capability_holds() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    other = proposal(issue="second", capabilities=(OTHER_CAPABILITY,))
    assert assess(other, ctx).decision is EligibilityDecision.MAY


def test_E006_own_claim_does_not_block_a_redelivery() -> None:
    subject = proposal(issue="first")
    ctx = claimed(context(), subject, "a1")
    assert assess(subject, ctx).decision is EligibilityDecision.MAY
    again = claimed(ctx, subject, "a1")
    assert list(again.pending_claims) == [uid("a1")]


def test_E006_claim_outside_window_no_longer_counts() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    later = NOW + timedelta(hours=24, seconds=1)
    verdict = assess(proposal(issue="second"), ctx, now=later)
    # Health has gone stale by then too (E-104), but every rule is still evaluated.
    assert next(r for r in verdict.rules_evaluated if r.rule == "E-006").passed


def test_E006_contract_on_lifecycle_settles_the_claim_of_its_issue() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    ctx = with_contracts(ctx, contract_lifecycle("c1", issue="first"))
    assert ctx.pending_claims == {}
    # The open contract now speaks for the claim.
    assert assess(proposal(issue="second"), ctx).reason == (
        f"Similar contract already pending: {uid('c1')}"
    )


def test_E006_closed_contract_settles_the_claim_and_frees_the_capability() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    ctx = with_contracts(
        ctx, contract_lifecycle("c1", issue="first", status=ContractStatus.REJECTED)
    )
    assert ctx.pending_claims == {}
    assert assess(proposal(issue="second"), ctx).decision is EligibilityDecision.MAY


def test_E006_contract_of_another_issue_leaves_the_claim() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    ctx = with_contracts(ctx, contract_lifecycle("c2", issue="elsewhere", capabilities=("X",)))
    assert list(ctx.pending_claims) == [uid("a1")]


def test_E006_revision_claim_settles_only_on_its_own_contract() -> None:
    revision = proposal(issue="first", contract_id=uid("rev"), parent_contract_id=uid("parent"))
    ctx = claimed(context(), revision, "a1")
    assert settle_claims(ctx, uid("parent"), uid("first")) is ctx
    assert settle_claims(ctx, uid("rev"), uid("first")).pending_claims == {}


def test_E006_expire_prunes_only_claims_older_than_the_window() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    window = EligibilityConfig().duplicate_window
    assert expire_claims(ctx, NOW + window, window) is ctx
    assert expire_claims(ctx, NOW + window + timedelta(seconds=1), window).pending_claims == {}


def test_ELIG001_verdict_names_pending_claims_it_compared_against() -> None:
    ctx = claimed(context(), proposal(issue="first"), "a1")
    versions = assess(proposal(issue="second"), ctx).context_versions
    assert versions["pending_claims"] == {
        str(uid("a1")): {
            "issue_id": str(uid("first")),
            "contract_id": None,
            "capabilities": [CAPABILITY],
            "claimed_at": NOW.isoformat(),
        }
    }
    other = proposal(issue="third", capabilities=(OTHER_CAPABILITY,))
    assert "pending_claims" not in assess(other, ctx).context_versions


def test_E006_claiming_leaves_the_earlier_snapshot_unchanged() -> None:
    before = context()
    after = claimed(before, proposal(issue="first"), "a1")
    assert before.pending_claims == {}
    assert after is not before

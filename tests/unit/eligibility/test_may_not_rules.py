"""The MAY_NOT rules E-104, E-100…E-103: each fires, and each stays quiet when it should."""

from __future__ import annotations

from datetime import timedelta

import pytest

from govmesh.eligibility.domain import EligibilityConfig, apply_registry
from govmesh.schemas import (
    SYSTEM_SCOPE,
    EligibilityDecision,
    HealthStatus,
    RecommendedAction,
    Severity,
    SignalType,
)

from .factories import (
    CAPABILITY,
    NOW,
    OTHER_CAPABILITY,
    assess,
    context,
    enable,
    governance_signal,
    health_signal,
    proposal,
    registry_state,
    result_of,
    system_update,
    with_signals,
)

pytestmark = pytest.mark.unit

HEALTH_REASON = "System health degraded - no new contracts"


def test_default_proposal_is_eligible() -> None:
    verdict = assess(proposal())
    assert verdict.decision is EligibilityDecision.MAY
    assert verdict.first_failing_rule is None


@pytest.mark.parametrize(
    "status", [HealthStatus.DEGRADED, HealthStatus.UNHEALTHY, HealthStatus.UNKNOWN]
)
def test_E104_unhealthy_system_fires(status: HealthStatus) -> None:
    verdict = assess(proposal(), context(health=health_signal(status)))
    assert verdict.decision is EligibilityDecision.MAY_NOT
    assert verdict.first_failing_rule == "E-104"
    assert verdict.reason == HEALTH_REASON


def test_E104_healthy_system_passes() -> None:
    verdict = assess(proposal(), context(health=health_signal(HealthStatus.HEALTHY)))
    assert result_of(verdict, "E-104").passed


def test_E104_unknown_health_fires() -> None:
    verdict = assess(proposal(), context(health=None))
    assert verdict.first_failing_rule == "E-104"
    assert verdict.reason == HEALTH_REASON


def test_E104_stale_health_fires() -> None:
    stale = health_signal(valid_until=NOW - timedelta(seconds=1))
    verdict = assess(proposal(), context(health=stale))
    assert verdict.first_failing_rule == "E-104"


def test_E104_health_valid_until_now_still_counts() -> None:
    verdict = assess(proposal(), context(health=health_signal(valid_until=NOW)))
    assert result_of(verdict, "E-104").passed


def test_E104_capability_health_does_not_stand_in_for_system_health() -> None:
    capability_only = health_signal(scope=CAPABILITY)
    verdict = assess(proposal(), context(health=capability_only))
    assert verdict.first_failing_rule == "E-104"


def test_E104_health_older_than_configured_max_age_fires() -> None:
    old = health_signal(observed_at=NOW - timedelta(minutes=10))
    strict = EligibilityConfig(health_max_age_seconds=300)
    assert assess(proposal(), context(health=old), strict).first_failing_rule == "E-104"
    assert result_of(assess(proposal(), context(health=old)), "E-104").passed


def test_E100_confidence_below_minimum_fires() -> None:
    verdict = assess(proposal(confidence=0.29))
    assert verdict.first_failing_rule == "E-100"
    assert verdict.reason == "Confidence below minimum threshold"


def test_E100_confidence_at_minimum_passes() -> None:
    verdict = assess(proposal(confidence=0.30))
    assert result_of(verdict, "E-100").passed
    assert verdict.first_failing_rule == "E-001"


def test_E101_critical_without_escalation_fires() -> None:
    verdict = assess(proposal(severity=Severity.CRITICAL))
    assert verdict.first_failing_rule == "E-101"
    assert verdict.reason == "Critical issues must be escalated"


def test_E101_critical_with_escalation_passes() -> None:
    verdict = assess(proposal(severity=Severity.CRITICAL, action=RecommendedAction.ESCALATE))
    assert result_of(verdict, "E-101").passed
    # Escalated issues are manual work, so the proposal still stops, at E-004.
    assert verdict.first_failing_rule == "E-004"


def test_E101_non_critical_passes() -> None:
    assert result_of(assess(proposal(severity=Severity.HIGH)), "E-101").passed


def test_E102_ELIG005_frozen_in_registry_fires() -> None:
    ctx = apply_registry(context(), registry_state(CAPABILITY, frozen=True, revision=2), 10)
    verdict = assess(proposal(), ctx)
    assert verdict.first_failing_rule == "E-102"
    assert verdict.reason == f"Cannot modify frozen capability: {CAPABILITY}"
    assert verdict.blocking_signals == []


def test_E102_ELIG005_frozen_by_signal_fires() -> None:
    ctx = with_signals(context(), governance_signal(OTHER_CAPABILITY, SignalType.FROZEN))
    verdict = assess(proposal(capabilities=(CAPABILITY, OTHER_CAPABILITY)), ctx)
    assert verdict.first_failing_rule == "E-102"
    assert verdict.reason == f"Cannot modify frozen capability: {OTHER_CAPABILITY}"
    assert verdict.blocking_signals == [f"FROZEN:{OTHER_CAPABILITY}"]


def test_E102_frozen_change_target_outside_affected_list_fires() -> None:
    ctx = with_signals(context(), governance_signal(OTHER_CAPABILITY, SignalType.FROZEN))
    sneaky = proposal(
        capabilities=(CAPABILITY,), changes=[enable(CAPABILITY), enable(OTHER_CAPABILITY)]
    )
    assert assess(sneaky, ctx).first_failing_rule == "E-102"


def test_E102_frozen_signal_withdrawn_or_expired_passes() -> None:
    withdrawn = with_signals(
        context(),
        governance_signal(CAPABILITY, SignalType.FROZEN),
        governance_signal(CAPABILITY, SignalType.FROZEN, active=False),
    )
    expired = with_signals(
        context(), governance_signal(CAPABILITY, SignalType.FROZEN, expires_at=NOW)
    )
    assert result_of(assess(proposal(), withdrawn), "E-102").passed
    assert result_of(assess(proposal(), expired), "E-102").passed


def test_E102_frozen_unrelated_capability_passes() -> None:
    ctx = with_signals(context(), governance_signal(OTHER_CAPABILITY, SignalType.FROZEN))
    ctx = apply_registry(ctx, registry_state("RATE_LIMITS", frozen=True, revision=2), 10)
    assert assess(proposal(), ctx).decision is EligibilityDecision.MAY


def test_E103_system_scope_without_pre_approval_fires() -> None:
    verdict = assess(proposal(capabilities=(), changes=[system_update()]))
    assert verdict.first_failing_rule == "E-103"
    assert verdict.reason == "System-wide changes require pre-approval"


def test_E103_system_in_affected_capabilities_without_pre_approval_fires() -> None:
    verdict = assess(proposal(capabilities=(SYSTEM_SCOPE,), changes=[system_update()]))
    assert verdict.first_failing_rule == "E-103"


def test_E103_system_scope_with_active_pre_approval_passes() -> None:
    ctx = with_signals(context(), governance_signal(SYSTEM_SCOPE, SignalType.PRE_APPROVAL))
    verdict = assess(proposal(capabilities=(), changes=[system_update()]), ctx)
    assert result_of(verdict, "E-103").passed
    assert verdict.decision is EligibilityDecision.MAY


def test_E103_pre_approval_on_other_scope_or_expired_does_not_count() -> None:
    elsewhere = with_signals(context(), governance_signal(CAPABILITY, SignalType.PRE_APPROVAL))
    expired = with_signals(
        context(),
        governance_signal(
            SYSTEM_SCOPE, SignalType.PRE_APPROVAL, expires_at=NOW - timedelta(minutes=1)
        ),
    )
    system_change = proposal(capabilities=(), changes=[system_update()])
    assert assess(system_change, elsewhere).first_failing_rule == "E-103"
    assert assess(system_change, expired).first_failing_rule == "E-103"


def test_E103_capability_scope_passes_without_pre_approval() -> None:
    assert result_of(assess(proposal()), "E-103").passed

"""The verdict as a whole: order (ELIG-003, ELIG-004), replay (ELIG-001), reason (ELIG-002)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from govmesh.eligibility.domain import EligibilityConfig, apply_registry, evaluate
from govmesh.schemas import (
    SYSTEM_SCOPE,
    EligibilityDecision,
    EligibilityVerdict,
    HealthStatus,
    IssueType,
    Severity,
    SignalType,
    Source,
)

from .factories import (
    CAPABILITY,
    NOW,
    assess,
    context,
    contract_lifecycle,
    governance_signal,
    health_signal,
    proposal,
    registry_state,
    with_contracts,
    with_signals,
)

pytestmark = pytest.mark.unit

SPEC_ORDER = [
    "E-104", "E-100", "E-101", "E-102", "E-103",
    "E-001", "E-002", "E-003", "E-004", "E-005", "E-006",
    "PREREQUISITE",
]  # fmt: skip


def _everything_wrong() -> EligibilityVerdict:
    ctx = context(health=health_signal(HealthStatus.DEGRADED))
    ctx = apply_registry(ctx, registry_state(CAPABILITY, frozen=True, revision=2), 10)
    ctx = with_signals(ctx, governance_signal(CAPABILITY, SignalType.BLOCKED))
    ctx = with_contracts(ctx, contract_lifecycle("dup"))
    bad = proposal(
        issue_type=IssueType.UNKNOWN,
        confidence=0.1,
        severity=Severity.CRITICAL,
        capabilities=(CAPABILITY, "GHOST", SYSTEM_SCOPE),
        source=Source.MANUAL,
        changes=None,
    )
    return assess(bad, ctx)


def test_ELIG003_every_rule_is_recorded_in_spec_order() -> None:
    assert [r.rule for r in assess(proposal()).rules_evaluated] == SPEC_ORDER
    assert [r.rule for r in _everything_wrong().rules_evaluated] == SPEC_ORDER


def test_ELIG003_all_rules_fail_yet_only_the_first_decides() -> None:
    verdict = _everything_wrong()
    assert not any(r.passed for r in verdict.rules_evaluated)
    assert verdict.first_failing_rule == "E-104"
    assert verdict.blocking_signals == [f"BLOCKED:{CAPABILITY}"]


def test_ELIG004_health_degraded_and_low_confidence_names_E104() -> None:
    verdict = assess(proposal(confidence=0.1), context(health=health_signal(HealthStatus.DEGRADED)))
    assert verdict.first_failing_rule == "E-104"
    assert verdict.reason == "System health degraded - no new contracts"


def test_ELIG003_E100_before_E001() -> None:
    verdict = assess(proposal(confidence=0.2))
    failing = [r.rule for r in verdict.rules_evaluated if not r.passed]
    assert failing == ["E-100", "E-001"]
    assert verdict.first_failing_rule == "E-100"


def test_ELIG003_may_not_rules_precede_may_rules() -> None:
    # Frozen (E-102) and unknown source (E-005): the MAY_NOT rule decides.
    ctx = apply_registry(context(), registry_state(CAPABILITY, frozen=True, revision=2), 10)
    verdict = assess(proposal(source=Source.MANUAL), ctx)
    assert verdict.first_failing_rule == "E-102"


def test_ELIG001_replay_gives_identical_verdict() -> None:
    ctx = with_contracts(
        with_signals(context(), governance_signal("RATE_LIMITS", SignalType.FROZEN)),
        contract_lifecycle("elsewhere", capabilities=("RATE_LIMITS",)),
    )
    subject = proposal()
    first = evaluate(subject, ctx, EligibilityConfig(), NOW)
    again = evaluate(subject, ctx, EligibilityConfig(), NOW)
    assert first == again
    assert first.model_dump_json() == again.model_dump_json()


def test_ELIG001_replay_from_refolded_messages_is_identical() -> None:
    def build() -> EligibilityVerdict:
        ctx = with_contracts(context(), contract_lifecycle("dup"))
        return evaluate(proposal(), ctx, EligibilityConfig(), NOW)

    assert build().model_dump_json() == build().model_dump_json()


def test_ELIG001_verdict_names_context_versions_and_config() -> None:
    ctx = with_contracts(with_signals(context(), governance_signal("X", SignalType.FROZEN)))
    verdict = assess(proposal(), ctx)
    assert verdict.context_versions == {
        "registry.state": {"0": 2},
        "governance.signals": {"0": 0},
        "health.signals": {"0": 0},
        "contracts.lifecycle": {},
        "config": EligibilityConfig().fingerprint(),
    }
    assert verdict.rules_version == "1.0.0"
    assert verdict.evaluated_at == NOW


def test_ELIG001_config_change_changes_recorded_fingerprint() -> None:
    default = assess(proposal())
    tuned = assess(proposal(), config=EligibilityConfig(confidence_threshold=0.75))
    assert default.decision == tuned.decision
    assert default.context_versions["config"] != tuned.context_versions["config"]


def test_ELIG001_time_only_enters_through_now() -> None:
    ctx = with_signals(
        context(health=health_signal(valid_until=NOW + timedelta(hours=2))),
        governance_signal(CAPABILITY, SignalType.BLOCKED, expires_at=NOW + timedelta(hours=1)),
    )
    assert assess(proposal(), ctx, now=NOW).first_failing_rule == "E-003"
    later = assess(proposal(), ctx, now=NOW + timedelta(hours=1))
    assert later.decision is EligibilityDecision.MAY


def test_ELIG002_may_verdict_has_a_reason() -> None:
    verdict = assess(proposal())
    assert verdict.decision is EligibilityDecision.MAY
    assert verdict.reason == "All eligibility rules passed"
    assert all(r.reason for r in verdict.rules_evaluated)


def test_ELIG002_may_not_verdict_reason_is_first_failing_rules_reason() -> None:
    verdict = _everything_wrong()
    first = next(r for r in verdict.rules_evaluated if not r.passed)
    assert verdict.reason == first.reason
    assert all(r.reason for r in verdict.rules_evaluated)


def test_evaluate_refuses_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        assess(proposal(), now=datetime(2025, 3, 14, 12, 0))

"""Each audit check with its PASS, FAIL and (A-002) INCONCLUSIVE cases (SPEC §8)."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from govmesh.auditor.domain.checks.fidelity import check_fidelity
from govmesh.auditor.domain.checks.health import check_health
from govmesh.auditor.domain.checks.mutations import check_mutations
from govmesh.auditor.domain.checks.rollback import check_rollback
from govmesh.auditor.domain.checks.scope import check_scope
from govmesh.auditor.domain.checks.signals import check_signals
from govmesh.auditor.domain.checks.timing import check_timing
from govmesh.schemas import (
    CapabilityDisable,
    CheckOutcome,
    HealthStatus,
    ParameterChange,
    SignalType,
    StepStatus,
    StepType,
)

from .factories import (
    FINISHED,
    INCIDENTS,
    LOGS,
    WINDOW_END,
    WINDOW_START,
    enable_logs,
    make_evidence,
    raise_rate_limit,
    record_signal,
    registry_after,
    registry_before,
    signal,
    step,
)

pytestmark = pytest.mark.unit

PASS, FAIL, INCONCLUSIVE = CheckOutcome.PASS, CheckOutcome.FAIL, CheckOutcome.INCONCLUSIVE
H, D, U, K = (
    HealthStatus.HEALTHY,
    HealthStatus.DEGRADED,
    HealthStatus.UNHEALTHY,
    HealthStatus.UNKNOWN,
)


# A-001 Scope compliance


def test_A001_all_steps_in_scope_pass() -> None:
    result = check_scope(make_evidence())
    assert (result.check, result.outcome) == ("A-001", PASS)


def test_A001_step_outside_scope_fails() -> None:
    stray = step(4, StepType.CAPABILITY_DISABLE, INCIDENTS, {}, None)
    result = check_scope(make_evidence(steps=(*make_evidence().steps, stray)))
    assert result.outcome is FAIL
    assert f"step 4 → {INCIDENTS}" in result.reason


# A-002 Health preservation


@pytest.mark.parametrize(
    ("before", "after"),
    [(H, H), (D, D), (U, U), (D, H), (U, D), (U, H)],
)
def test_A002_same_or_better_passes(before: HealthStatus, after: HealthStatus) -> None:
    evidence = make_evidence(health_before={"SYSTEM": before}, health_after={"SYSTEM": after})
    assert check_health(evidence).outcome is PASS


@pytest.mark.parametrize(("before", "after"), [(H, D), (H, U), (D, U)])
def test_A002_worse_fails(before: HealthStatus, after: HealthStatus) -> None:
    evidence = make_evidence(
        health_before={"SYSTEM": H, LOGS: before}, health_after={"SYSTEM": H, LOGS: after}
    )
    result = check_health(evidence)
    assert result.outcome is FAIL
    assert f"{LOGS} {before.value} → {after.value}" in result.reason


@pytest.mark.parametrize(
    "overrides",
    [
        {"health_before": None},
        {"health_after": None},
        {"health_before": {}, "health_after": {}},
        {"health_after": {"SYSTEM": K, LOGS: H}},
        {"health_before": {"SYSTEM": K, LOGS: H}},
        {"health_after": {"SYSTEM": H}},
        {"health_available": False},
    ],
)
def test_A002_unavailable_health_is_inconclusive(overrides: dict[str, Any]) -> None:
    result = check_health(make_evidence(**overrides))
    assert result.outcome is INCONCLUSIVE
    assert "unavailable" in result.reason


def test_A002_visible_degradation_fails_even_when_other_health_is_unavailable() -> None:
    evidence = make_evidence(
        health_before={"SYSTEM": H, LOGS: H},
        health_after={"SYSTEM": U, LOGS: K},
        health_available=False,
    )
    assert check_health(evidence).outcome is FAIL


# A-003 Execution fidelity


def test_A003_matching_results_pass() -> None:
    assert check_fidelity(make_evidence()).outcome is PASS


def test_A003_missing_step_fails() -> None:
    result = check_fidelity(make_evidence(steps=(enable_logs(), record_signal(2))))
    assert result.outcome is FAIL
    assert "no completed step for config_update SYSTEM" in result.reason


def test_A003_step_with_different_value_fails() -> None:
    wrong = step(
        2,
        StepType.CONFIG_UPDATE,
        "SYSTEM",
        {"key": "max_requests_per_minute", "old_value": 100, "new_value": 250},
        raise_rate_limit().rollback_action,
    )
    result = check_fidelity(make_evidence(steps=(enable_logs(), wrong)))
    assert result.outcome is FAIL
    assert "step 2 (config_update SYSTEM) is not in proposed_changes" in result.reason


def test_A003_wrong_lifecycle_fails() -> None:
    wrong = step(1, StepType.CAPABILITY_ENABLE, LOGS, {"target_lifecycle": "PREVIEW"}, None)
    assert check_fidelity(make_evidence(steps=(wrong, raise_rate_limit()))).outcome is FAIL


def test_A003_extra_mutating_step_fails() -> None:
    extra = step(4, StepType.CAPABILITY_DISABLE, LOGS, {"reason": "x"}, None)
    result = check_fidelity(make_evidence(steps=(*make_evidence().steps, extra)))
    assert result.outcome is FAIL
    assert "step 4" in result.reason


def test_A003_unfinished_step_fails() -> None:
    failed = raise_rate_limit().model_copy(update={"status": StepStatus.FAILED})
    result = check_fidelity(make_evidence(steps=(enable_logs(), failed)))
    assert result.outcome is FAIL
    assert "step 2 is FAILED" in result.reason


def test_A003_registry_not_showing_the_change_fails() -> None:
    after = registry_after()
    after["SYSTEM"]["config"]["max_requests_per_minute"] = 100
    result = check_fidelity(make_evidence(registry_after=after))
    assert result.outcome is FAIL
    assert "SYSTEM.config.max_requests_per_minute is 100, expected 200" in result.reason


def test_A003_missing_registry_after_fails() -> None:
    assert check_fidelity(make_evidence(registry_after=None)).outcome is FAIL


def test_A003_parameter_change_needs_one_config_step_per_key() -> None:
    change = ParameterChange(scope=INCIDENTS, parameters={"page_size": 25, "sort": "desc"})
    after = registry_before()
    after[INCIDENTS]["config"].update(page_size=25, sort="desc")
    steps = tuple(
        step(n, StepType.CONFIG_UPDATE, INCIDENTS, {"key": k, "new_value": v}, None)
        for n, (k, v) in enumerate([("page_size", 25), ("sort", "desc")], start=1)
    )
    evidence = make_evidence(
        proposed_changes=(change,),
        steps=steps,
        registry_before=registry_before(),
        registry_after=after,
    )
    assert check_fidelity(evidence).outcome is PASS
    assert (
        check_fidelity(make_evidence(proposed_changes=(change,), steps=steps[:1])).outcome is FAIL
    )


def test_A003_disable_matches_without_reason() -> None:
    change = CapabilityDisable(capability_name=INCIDENTS, reason="broken")
    after = registry_before()
    after[INCIDENTS]["enabled"] = False
    disable = step(1, StepType.CAPABILITY_DISABLE, INCIDENTS, {}, None)
    evidence = make_evidence(
        proposed_changes=(change,),
        steps=(disable,),
        registry_before=registry_before(),
        registry_after=after,
    )
    assert check_fidelity(evidence).outcome is PASS


# A-004 Timing


def test_A004_inside_window_passes() -> None:
    assert check_timing(make_evidence()).outcome is PASS


def test_A004_exactly_on_the_window_edges_passes() -> None:
    assert (
        check_timing(make_evidence(started_at=WINDOW_START, finished_at=WINDOW_END)).outcome is PASS
    )


def test_A004_started_before_window_fails() -> None:
    result = check_timing(make_evidence(started_at=WINDOW_START - timedelta(seconds=1)))
    assert result.outcome is FAIL
    assert "before the window opened" in result.reason


def test_A004_finished_after_window_fails() -> None:
    result = check_timing(make_evidence(finished_at=WINDOW_END + timedelta(seconds=1)))
    assert result.outcome is FAIL
    assert "after the window closed" in result.reason


@pytest.mark.parametrize("field", ["started_at", "finished_at", "window_start", "window_end"])
def test_A004_missing_timestamp_fails(field: str) -> None:
    assert check_timing(make_evidence(**{field: None})).outcome is FAIL


# A-005 Rollback availability


def test_A005_every_completed_step_has_a_rollback_passes() -> None:
    result = check_rollback(make_evidence())
    assert result.outcome is PASS
    assert "signal_record exempt" in result.reason


def _with_rollback(action: dict[str, Any] | None, base: Any = None) -> Any:
    original = base or raise_rate_limit()
    return make_evidence(
        steps=(enable_logs(), original.model_copy(update={"rollback_action": action}))
    )


@pytest.mark.parametrize(
    ("action", "fragment"),
    [
        (None, "no rollback_action"),
        ({"type": "config_update", "target": "SYSTEM"}, "no parameters"),
        (
            {
                "type": "config_update",
                "target": LOGS,
                "parameters": {"key": "max_requests_per_minute", "new_value": 100},
            },
            "rollback targets",
        ),
        (
            {
                "type": "config_update",
                "target": "SYSTEM",
                "parameters": {"key": "other", "new_value": 100},
            },
            "different key",
        ),
        (
            {
                "type": "config_update",
                "target": "SYSTEM",
                "parameters": {"key": "max_requests_per_minute"},
            },
            "sets no value",
        ),
        (
            {
                "type": "config_update",
                "target": "SYSTEM",
                "parameters": {"key": "max_requests_per_minute", "new_value": 150},
            },
            "not old_value 100",
        ),
        (
            {
                "type": "config_update",
                "target": "SYSTEM",
                "parameters": {"key": "max_requests_per_minute", "unset": True},
            },
            "removes the key",
        ),
        (
            {"type": "capability_disable", "target": "SYSTEM", "parameters": {}},
            "cannot undo a config_update",
        ),
    ],
)
def test_A005_config_step_without_valid_rollback_fails(
    action: dict[str, Any] | None, fragment: str
) -> None:
    result = check_rollback(_with_rollback(action))
    assert result.outcome is FAIL
    assert fragment in result.reason


@pytest.mark.parametrize(
    ("action", "fragment"),
    [
        (
            {"type": "config_update", "target": LOGS, "parameters": {}},
            "cannot undo a capability step",
        ),
        (
            {"type": "capability_enable", "target": LOGS, "parameters": {}},
            "no valid target_lifecycle",
        ),
        (
            {"type": "capability_disable", "target": LOGS, "parameters": {"lifecycle": "GA"}},
            "invalid lifecycle",
        ),
    ],
)
def test_A005_capability_step_without_valid_rollback_fails(
    action: dict[str, Any], fragment: str
) -> None:
    broken = enable_logs().model_copy(update={"rollback_action": action})
    result = check_rollback(make_evidence(steps=(broken, raise_rate_limit())))
    assert result.outcome is FAIL
    assert fragment in result.reason


def test_A005_failed_step_needs_no_rollback() -> None:
    failed = raise_rate_limit().model_copy(
        update={"status": StepStatus.FAILED, "rollback_action": None}
    )
    assert check_rollback(make_evidence(steps=(enable_logs(), failed))).outcome is PASS


def test_A005_new_key_rolls_back_by_removal() -> None:
    added = step(
        1,
        StepType.CONFIG_UPDATE,
        "SYSTEM",
        {"key": "burst", "old_value": None, "new_value": 10},
        {
            "type": "config_update",
            "target": "SYSTEM",
            "parameters": {"key": "burst", "old_value": 10, "unset": True},
        },
    )
    assert check_rollback(make_evidence(steps=(added,))).outcome is PASS


# A-006 Signal consistency


def test_A006_no_conflict_passes() -> None:
    signals = (signal("SYSTEM", SignalType.PRE_APPROVAL), signal(LOGS, SignalType.CHANGE_RECORDED))
    assert check_signals(make_evidence(signals=signals)).outcome is PASS


def test_A006_blocked_and_pre_approval_on_one_scope_fails() -> None:
    signals = (signal("SYSTEM", SignalType.BLOCKED), signal("SYSTEM", SignalType.PRE_APPROVAL))
    result = check_signals(make_evidence(signals=signals))
    assert result.outcome is FAIL
    assert "SYSTEM is both BLOCKED and PRE_APPROVAL" in result.reason


def test_A006_frozen_on_a_changed_capability_fails() -> None:
    result = check_signals(make_evidence(signals=(signal(LOGS, SignalType.FROZEN),)))
    assert result.outcome is FAIL
    assert f"{LOGS} was changed by the job and is FROZEN" in result.reason


def test_A006_frozen_on_an_unchanged_scope_passes() -> None:
    only_signal = (record_signal(1),)
    evidence = make_evidence(steps=only_signal, signals=(signal(LOGS, SignalType.FROZEN),))
    assert check_signals(evidence).outcome is PASS


def test_A006_inactive_or_expired_signals_do_not_conflict() -> None:
    signals = (
        signal("SYSTEM", SignalType.BLOCKED, active=False),
        signal("SYSTEM", SignalType.PRE_APPROVAL),
        signal(LOGS, SignalType.FROZEN, expires_at=FINISHED),
    )
    assert check_signals(make_evidence(signals=signals)).outcome is PASS


def test_A006_signal_expiring_after_the_job_still_counts() -> None:
    signals = (signal(LOGS, SignalType.FROZEN, expires_at=FINISHED + timedelta(seconds=1)),)
    assert check_signals(make_evidence(signals=signals)).outcome is FAIL


# A-007 No unauthorized mutations


def test_A007_only_expected_changes_pass() -> None:
    assert check_mutations(make_evidence()).outcome is PASS


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda r: r[INCIDENTS].update(enabled=False), f"{INCIDENTS}.enabled"),
        (lambda r: r[INCIDENTS]["config"].update(page_size=10), f"{INCIDENTS}.config.page_size"),
        (lambda r: r[LOGS].update(frozen=True), f"{LOGS}.frozen"),
        (lambda r: r["SYSTEM"]["config"].update(burst=5), "SYSTEM.config.burst"),
        (lambda r: r.pop(INCIDENTS), f"{INCIDENTS}.enabled"),
        (lambda r: r.update(NEW_CAP={"enabled": True}), "NEW_CAP.enabled"),
    ],
)
def test_A007_unexpected_change_fails(mutate: Any, path: str) -> None:
    after = registry_after()
    mutate(after)
    result = check_mutations(make_evidence(registry_after=after))
    assert result.outcome is FAIL
    assert path in result.reason


def test_A007_expected_path_with_a_wrong_value_is_left_to_A003() -> None:
    after = copy.deepcopy(registry_after())
    after["SYSTEM"]["config"]["max_requests_per_minute"] = 999
    evidence = make_evidence(registry_after=after)
    assert check_mutations(evidence).outcome is PASS
    assert check_fidelity(evidence).outcome is FAIL


def test_A007_true_is_not_one() -> None:
    before, after = registry_before(), registry_after()
    before[INCIDENTS]["config"]["flag"] = 1
    after[INCIDENTS]["config"]["flag"] = True
    assert (
        check_mutations(make_evidence(registry_before=before, registry_after=after)).outcome is FAIL
    )


@pytest.mark.parametrize("field", ["registry_before", "registry_after"])
def test_A007_missing_registry_state_fails(field: str) -> None:
    assert check_mutations(make_evidence(**{field: None})).outcome is FAIL

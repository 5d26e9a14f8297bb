"""Proposed changes (SPEC §3, §5): from structured data, from the text, or from the founder."""

from __future__ import annotations

from typing import Any

import pytest

from govmesh.schemas import (
    SYSTEM_SCOPE,
    CapabilityDisable,
    CapabilityEnable,
    ConfigurationUpdate,
    IssueType,
    Lifecycle,
    ParameterChange,
    ProposedChange,
    ValidatorVerdict,
)
from govmesh.validator.domain import RegistrySnapshot
from tests.unit.validator.conftest import Judge

pytestmark = pytest.mark.unit


def _changes(verdict: ValidatorVerdict) -> list[ProposedChange]:
    assert verdict.proposed_changes is not None, verdict.proposed_changes_reason
    assert verdict.proposed_changes_reason is None
    return list(verdict.proposed_changes)


# --- capability_enable ------------------------------------------------------------------------


def test_enable_takes_the_registry_lifecycle(judge: Judge) -> None:
    verdict = judge("logs", "please enable LOGS_LIST for us")

    assert _changes(verdict) == [
        CapabilityEnable(capability_name="LOGS_LIST", target_lifecycle=Lifecycle.LAUNCHED)
    ]
    assert "proposed_changes:text" in verdict.evidence


@pytest.mark.parametrize(
    ("body", "lifecycle"),
    [
        ("Enable ANOMALY_DETECTION as LAUNCHED (GA) for everyone.", Lifecycle.LAUNCHED),
        ("please turn on LOG_SEARCH in preview for our sandbox", Lifecycle.PREVIEW),
        ("please enable LOG_EXPORT, we know it is deprecated", Lifecycle.DEPRECATED),
    ],
)
def test_enable_takes_the_lifecycle_the_text_names(
    judge: Judge, body: str, lifecycle: Lifecycle
) -> None:
    (change,) = _changes(judge("request", body))

    assert isinstance(change, CapabilityEnable)
    assert change.target_lifecycle is lifecycle


def test_enable_defaults_to_preview_without_registry(judge: Judge) -> None:
    verdict = judge("logs", "enable LOGS_LIST", registry=RegistrySnapshot.empty())

    assert _changes(verdict) == [
        CapabilityEnable(capability_name="LOGS_LIST", target_lifecycle=Lifecycle.PREVIEW)
    ]


def test_enable_refers_back_through_a_pronoun(judge: Judge) -> None:
    body = "LEGACY_REPORTS disappeared. Please re-enable it until they move to METRICS_EXPORT."
    verdict = judge("reports", body)

    assert _changes(verdict) == [
        CapabilityEnable(capability_name="LEGACY_REPORTS", target_lifecycle=Lifecycle.DEPRECATED)
    ]
    assert verdict.affected_capabilities == ["LEGACY_REPORTS", "METRICS_EXPORT"]


# --- capability_disable -----------------------------------------------------------------------


def test_disable_takes_the_reason_after_because(judge: Judge) -> None:
    verdict = judge("reports", "Please disable LEGACY_REPORTS because the totals are wrong.")

    assert _changes(verdict) == [
        CapabilityDisable(capability_name="LEGACY_REPORTS", reason="the totals are wrong")
    ]


def test_disable_without_because_gives_the_body_as_reason(judge: Judge) -> None:
    body = "Hooli leaves on Friday.\nPlease disable LOG_EXPORT and TRACE_VIEWER for them."
    changes = _changes(judge("offboarding", body))

    assert [c.capability_name for c in changes if isinstance(c, CapabilityDisable)] == [
        "LOG_EXPORT",
        "TRACE_VIEWER",
    ]
    assert all(
        isinstance(c, CapabilityDisable) and c.reason == " ".join(body.split()) for c in changes
    )


# --- configuration_update --------------------------------------------------------------------


def test_configuration_update_defaults_to_system_scope_with_old_value(judge: Judge) -> None:
    verdict = judge("rate", "set max_requests_per_minute to 200")

    assert _changes(verdict) == [
        ConfigurationUpdate(
            scope=SYSTEM_SCOPE, key="max_requests_per_minute", old_value=1000, new_value=200
        )
    ]
    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE


def test_configuration_update_scope_is_the_named_capability(judge: Judge) -> None:
    verdict = judge("rate", "Please set max_requests_per_minute to 200 for LOGS_LIST.")

    assert _changes(verdict) == [
        ConfigurationUpdate(
            scope="LOGS_LIST", key="max_requests_per_minute", old_value=100, new_value=200
        )
    ]


@pytest.mark.parametrize(
    ("body", "key", "old", "new"),
    [
        ("change sampling_rate for TRACE_VIEWER from 0.1 to 0.25", "sampling_rate", 0.1, 0.25),
        ("set maintenance_mode to true", "maintenance_mode", False, True),
        ("set the ANOMALY_DETECTION sensitivity to low", "sensitivity", "medium", "low"),
        ("set session_timeout_minutes to 2 hours", "session_timeout_minutes", 60, 120),
        ("retention_days on trace viewer is only 7, pls make it 30", "retention_days", 7, 30),
        ("could the refresh interval be lowered to 5 seconds?", "refresh_interval_seconds", 30, 5),
    ],
)
def test_configuration_update_reads_typed_values(
    judge: Judge, body: str, key: str, old: Any, new: Any
) -> None:
    (change,) = _changes(judge("config", body))

    assert isinstance(change, ConfigurationUpdate)
    assert (change.key, change.old_value, change.new_value) == (key, old, new)
    assert type(change.new_value) is type(old)


def test_configuration_update_value_after_a_current_value(judge: Judge) -> None:
    body = (
        "LOG_SEARCH rejects requests; current limit max_requests_per_minute=60. "
        "Suggest raising to 120."
    )
    assert _changes(judge("throttling", body)) == [
        ConfigurationUpdate(
            scope="LOG_SEARCH", key="max_requests_per_minute", old_value=60, new_value=120
        )
    ]


def test_configuration_update_ignores_a_restated_current_value(judge: Judge) -> None:
    body = "max_series_per_request=500 too small. Recommend max_series_per_request=2000."
    assert _changes(judge("METRICS_EXPORT backlog", body)) == [
        ConfigurationUpdate(
            scope="METRICS_EXPORT", key="max_series_per_request", old_value=500, new_value=2000
        )
    ]


# --- parameter_change ------------------------------------------------------------------------


def test_parameter_change_for_several_keys_of_one_scope(judge: Judge) -> None:
    body = (
        "please update ALERT_RULES with: max_rules_per_tenant=500, evaluation_interval_seconds=30"
    )
    verdict = judge("alert rules", body)

    assert _changes(verdict) == [
        ParameterChange(
            scope="ALERT_RULES",
            parameters={"max_rules_per_tenant": 500, "evaluation_interval_seconds": 30},
        )
    ]
    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE


def test_one_update_per_scope_when_keys_belong_to_different_scopes(judge: Judge) -> None:
    body = "set page_size on LOGS_LIST to 100 and max_results on LOG_SEARCH to 500"
    changes = _changes(judge("paging", body))

    assert [(type(c), getattr(c, "scope", None)) for c in changes] == [
        (ConfigurationUpdate, "LOGS_LIST"),
        (ConfigurationUpdate, "LOG_SEARCH"),
    ]


# --- from structured_data --------------------------------------------------------------------


def test_valid_structured_proposed_changes_are_taken_as_given(judge: Judge) -> None:
    given = [{"type": "parameter_change", "scope": "LOGS_LIST", "parameters": {"page_size": 100}}]
    verdict = judge(
        "drift", "terraform detected drift", structured={"proposed_changes": given, "run": 7}
    )

    assert _changes(verdict) == [ParameterChange(scope="LOGS_LIST", parameters={"page_size": 100})]
    assert "proposed_changes:structured_data" in verdict.evidence
    assert verdict.affected_capabilities == ["LOGS_LIST"]
    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE


def test_invalid_structured_proposed_changes_fall_back_to_the_text(judge: Judge) -> None:
    invalid = [
        {"type": "capability_enable", "capability_name": "LOG_EXPORT", "target_lifecycle": "GA"}
    ]
    verdict = judge("export", "Please enable log export.", structured={"proposed_changes": invalid})

    assert _changes(verdict) == [
        CapabilityEnable(capability_name="LOG_EXPORT", target_lifecycle=Lifecycle.PREVIEW)
    ]
    assert "proposed_changes:structured_data_invalid" in verdict.evidence
    assert "proposed_changes:text" in verdict.evidence


def test_invalid_structured_data_and_no_text_change_explains_both(judge: Judge) -> None:
    verdict = judge(
        "hello", "just saying hello", structured={"proposed_changes": [{"type": "delete_all"}]}
    )

    assert verdict.proposed_changes is None
    assert verdict.proposed_changes_reason is not None
    assert verdict.proposed_changes_reason.startswith("structured_data.proposed_changes is invalid")
    assert "No change could be derived from the text" in verdict.proposed_changes_reason


# --- nothing derivable -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("How much does the enterprise plan cost?", "asks to enable or disable no capability"),
        ("set max_panels on METRICS_DASHBOARD to unlimited", "'unlimited' is not a valid int"),
        ("set export_timeout_seconds on LOG_EXPORT to 600", "does not exist in the registry"),
        ("set retention_days to 30", "exists on AUDIT_TRAIL, TRACE_VIEWER"),
        ("they want TRACE_VIEWER enabled or disabled", "both enabling and disabling TRACE_VIEWER"),
        ("enable LOG_EXPORT and set max_panels to lots", "'lots' is not a valid int"),
    ],
)
def test_no_proposed_changes_comes_with_the_reason(judge: Judge, body: str, why: str) -> None:
    verdict = judge("issue", body)

    assert verdict.proposed_changes is None
    assert verdict.proposed_changes_reason is not None
    assert why in verdict.proposed_changes_reason
    assert "proposed_changes:none" in verdict.evidence


# --- founder revision (MODIFY_SCOPE, REVIEW-005) -----------------------------------------------


def test_founder_revision_is_taken_and_classification_runs_afresh(judge: Judge) -> None:
    revised: list[ProposedChange] = [
        CapabilityDisable(capability_name="TRACE_VIEWER", reason="founder narrowed the scope")
    ]
    verdict = judge("logs", "please enable LOG_SEARCH and TRACE_VIEWER", override=revised)

    assert _changes(verdict) == revised
    assert verdict.affected_capabilities == ["TRACE_VIEWER"]
    assert verdict.issue_type is IssueType.CAPABILITY_REQUEST
    assert "proposed_changes:founder_revision" in verdict.evidence


def test_founder_revision_wins_over_structured_data(judge: Judge) -> None:
    revised: list[ProposedChange] = [
        ConfigurationUpdate(scope=SYSTEM_SCOPE, key="default_page_size", old_value=50, new_value=25)
    ]
    given = [
        {"type": "capability_enable", "capability_name": "LOGS_LIST", "target_lifecycle": "PREVIEW"}
    ]
    verdict = judge(
        "paging",
        "set default_page_size to 100",
        structured={"proposed_changes": given},
        override=revised,
    )

    assert _changes(verdict) == revised
    assert verdict.affected_capabilities == []
    assert verdict.issue_type is IssueType.CONFIGURATION_CHANGE


def test_empty_founder_revision_proposes_nothing_and_says_why(judge: Judge) -> None:
    verdict = judge("logs", "please enable LOG_SEARCH", override=[])

    assert verdict.proposed_changes is None
    assert verdict.proposed_changes_reason is not None
    assert "founder's revised proposed_changes are invalid" in verdict.proposed_changes_reason

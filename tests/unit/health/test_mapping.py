"""Alert -> scope and status (PART2-005): configurable labels, SYSTEM when none."""

from __future__ import annotations

import pytest

from govmesh.health.domain import AlertMapping, Firing, Ignored, Resolved, map_alert
from govmesh.health.domain.mapping import fingerprint_of
from govmesh.schemas import HealthStatus
from tests.unit.health.factories import alert, payload

pytestmark = pytest.mark.unit

DEFAULT = AlertMapping()


def test_PART2_005_capability_label_names_the_scope_and_critical_is_unhealthy() -> None:
    observed = map_alert(payload("firing_capability_critical").alerts[0], DEFAULT)
    assert isinstance(observed, Firing)
    assert (observed.scope, observed.status) == ("LOGS_LIST", HealthStatus.UNHEALTHY)
    assert observed.alertname == "HighErrorRate"
    assert observed.fingerprint == "5f1d3c6a9b2e7f40"
    assert observed.summary == "LOGS_LIST error rate above 5% for 5 minutes"


def test_PART2_005_no_scope_label_means_system_and_warning_is_degraded() -> None:
    observed = map_alert(payload("firing_mixed_severities").alerts[0], DEFAULT)
    assert isinstance(observed, Firing)
    assert (observed.scope, observed.status) == ("SYSTEM", HealthStatus.DEGRADED)


def test_PART2_005_lower_case_label_values_name_the_upper_case_scope() -> None:
    observed = map_alert(payload("firing_mixed_severities").alerts[1], DEFAULT)
    assert isinstance(observed, Firing)
    assert observed.scope == "LOG_SEARCH"


def test_PART2_005_unmapped_severity_is_ignored_by_default_with_the_reason() -> None:
    watchdog = payload("firing_mixed_severities").alerts[3]
    observed = map_alert(watchdog, DEFAULT)
    assert isinstance(observed, Ignored)
    assert observed.alertname == "Watchdog"
    assert "severity='none'" in observed.reason


def test_PART2_005_unmapped_severity_can_be_configured_to_degrade() -> None:
    mapping = AlertMapping(unmapped=HealthStatus.DEGRADED)
    observed = map_alert(alert(severity="info"), mapping)
    assert isinstance(observed, Firing)
    assert observed.status == HealthStatus.DEGRADED


def test_PART2_005_scope_labels_and_severity_map_are_configurable() -> None:
    mapping = AlertMapping(
        scope_labels=("govmesh_scope", "service"),
        severity_label="level",
        severities={"PAGE": HealthStatus.UNHEALTHY},
    )
    observed = map_alert(alert(service="trace_viewer", level="page"), mapping)
    assert isinstance(observed, Firing)
    assert (observed.scope, observed.status) == ("TRACE_VIEWER", HealthStatus.UNHEALTHY)
    first_wins = map_alert(
        alert(govmesh_scope="AUDIT_TRAIL", service="trace_viewer", level="page"), mapping
    )
    assert isinstance(first_wins, Firing)
    assert first_wins.scope == "AUDIT_TRAIL"
    # The default label no longer names a scope under this mapping.
    other = map_alert(alert(capability="LOGS_LIST", level="page"), mapping)
    assert isinstance(other, Firing)
    assert other.scope == "SYSTEM"


def test_PART2_005_an_unusable_scope_label_fails_closed_on_system() -> None:
    observed = map_alert(alert(capability="logs list!", severity="critical"), DEFAULT)
    assert isinstance(observed, Firing)
    assert observed.scope == "SYSTEM"
    assert "not a scope name" in observed.note


def test_PART2_005_resolved_alert_is_a_resolution_whatever_its_severity() -> None:
    observed = map_alert(payload("resolved_capability_critical").alerts[0], DEFAULT)
    assert observed == Resolved("5f1d3c6a9b2e7f40", "LOGS_LIST", "HighErrorRate")
    unmapped = map_alert(alert("resolved", severity="none"), DEFAULT)
    assert isinstance(unmapped, Resolved)


def test_PART2_005_without_fingerprint_one_is_derived_from_the_labels() -> None:
    a = alert(fingerprint="", capability="LOGS_LIST", severity="critical")
    b = alert(fingerprint="", severity="critical", capability="LOGS_LIST")
    c = alert(fingerprint="", capability="LOG_SEARCH", severity="critical")
    assert fingerprint_of(a) == fingerprint_of(b) != fingerprint_of(c)
    assert fingerprint_of(a).startswith("labels:")


@pytest.mark.parametrize("status", [HealthStatus.HEALTHY, HealthStatus.UNKNOWN])
def test_PART2_005_an_alert_cannot_be_configured_to_report_healthy_or_unknown(status) -> None:
    with pytest.raises(ValueError, match="DEGRADED or UNHEALTHY"):
        AlertMapping(severities={"critical": status})
    with pytest.raises(ValueError, match="DEGRADED or UNHEALTHY"):
        AlertMapping(unmapped=status)

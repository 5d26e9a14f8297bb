"""The webhook payload (Alertmanager webhook_config, version "4") as the fixtures carry it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from govmesh.health.domain import AlertmanagerPayload
from tests.unit.health.factories import FIXTURES, payload, raw_payload

pytestmark = pytest.mark.unit

DOCUMENTED_MEMBERS = {
    "version",
    "groupKey",
    "truncatedAlerts",
    "status",
    "receiver",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "alerts",
}
DOCUMENTED_ALERT_MEMBERS = {
    "status",
    "labels",
    "annotations",
    "startsAt",
    "endsAt",
    "generatorURL",
    "fingerprint",
}


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_PART2_005_fixtures_carry_exactly_the_documented_webhook_members(path) -> None:
    raw = raw_payload(path.stem)
    assert set(raw) == DOCUMENTED_MEMBERS
    assert raw["version"] == "4"
    assert all(set(a) == DOCUMENTED_ALERT_MEMBERS for a in raw["alerts"])
    AlertmanagerPayload.model_validate(raw)


def test_PART2_005_go_timestamps_with_nanoseconds_and_zero_end_parse() -> None:
    firing = payload("firing_capability_critical").alerts[0]
    assert firing.starts_at == datetime(2025, 6, 2, 8, 55, 12, 512349, tzinfo=UTC)
    assert firing.ends_at.year == 1  # Go's zero time: no end yet


def test_PART2_005_other_versions_are_refused() -> None:
    raw = raw_payload("firing_capability_critical")
    raw["version"] = "3"
    with pytest.raises(ValidationError) as excinfo:
        AlertmanagerPayload.model_validate(raw)
    assert excinfo.value.errors()[0]["loc"] == ("version",)


def test_PART2_005_unknown_members_of_a_newer_alertmanager_are_ignored() -> None:
    raw = raw_payload("firing_capability_critical")
    raw["newMember"] = {"x": 1}
    raw["alerts"][0]["silenceURL"] = "http://alertmanager.example.org:9093/#/silences/new"
    assert AlertmanagerPayload.model_validate(raw).alerts[0].fingerprint == "5f1d3c6a9b2e7f40"


def test_PART2_005_missing_fingerprint_of_old_alertmanagers_is_accepted() -> None:
    raw = raw_payload("firing_capability_critical")
    del raw["alerts"][0]["fingerprint"]
    assert AlertmanagerPayload.model_validate(raw).alerts[0].fingerprint == ""

"""Eligibility configuration: SPEC §4 defaults, validation, immutability."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from govmesh.eligibility.domain import EligibilityConfig
from govmesh.schemas import IssueType, Source

pytestmark = pytest.mark.unit


def test_config_defaults_are_the_spec_values() -> None:
    config = EligibilityConfig()
    assert config.confidence_threshold == 0.70
    assert config.minimum_confidence == 0.30
    assert config.duplicate_window == timedelta(hours=24)
    assert config.rules_version == "1.0.0"
    assert config.source_allowlist == {Source.CRM_FEEDBACK, Source.SUPPORT_TICKET, Source.OPS_ALERT}
    assert config.actionable_types == {
        IssueType.CAPABILITY_REQUEST,
        IssueType.CONFIGURATION_CHANGE,
        IssueType.BUG_REPORT,
    }
    assert config.health_max_age is None


def test_config_is_frozen() -> None:
    config = EligibilityConfig()
    with pytest.raises(ValidationError):
        config.confidence_threshold = 0.1  # type: ignore[misc]


@pytest.mark.parametrize(
    "fields",
    [
        {"minimum_confidence": 0.8, "confidence_threshold": 0.7},
        {"confidence_threshold": 1.5},
        {"duplicate_window_hours": 0},
        {"rules_version": "v1"},
        {"health_max_age_seconds": 0},
        {"unknown_setting": True},
    ],
)
def test_config_refuses_nonsense(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EligibilityConfig.model_validate(fields)


def test_config_fingerprint_is_stable_and_sensitive() -> None:
    assert EligibilityConfig().fingerprint() == EligibilityConfig().fingerprint()
    reordered = EligibilityConfig(
        source_allowlist=frozenset([Source.OPS_ALERT, Source.CRM_FEEDBACK, Source.SUPPORT_TICKET])
    )
    assert reordered.fingerprint() == EligibilityConfig().fingerprint()
    assert EligibilityConfig(duplicate_window_hours=12).fingerprint() != (
        EligibilityConfig().fingerprint()
    )

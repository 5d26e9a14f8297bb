"""IngestSettings: the development key only in dev mode; limits build the domain values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from govmesh.ingest.settings import DEV_API_KEY, IngestSettings
from govmesh.schemas import Principal

pytestmark = pytest.mark.unit


def settings(**values: object) -> IngestSettings:
    return IngestSettings.model_validate({"keys_dir": Path("/nonexistent"), **values})


def test_settings_default_principal_and_schema() -> None:
    s = settings()
    assert s.principal is Principal.INGEST
    assert s.db_schema == "ingest"


def test_settings_dev_mode_without_keys_uses_the_dev_key() -> None:
    assert settings(dev_mode=True).api_key_bindings() == {DEV_API_KEY: "*"}


def test_settings_outside_dev_mode_without_keys_accepts_no_key() -> None:
    assert settings(dev_mode=False).api_key_bindings() == {}


def test_settings_refuse_the_dev_key_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="refused outside dev mode"):
        settings(dev_mode=False, api_keys={DEV_API_KEY: "*"})


def test_settings_allow_the_dev_key_in_dev_mode() -> None:
    s = settings(dev_mode=True, api_keys={DEV_API_KEY: "crm"})
    assert s.api_key_bindings() == {DEV_API_KEY: "crm"}


def test_settings_configured_keys_replace_the_dev_key() -> None:
    s = settings(dev_mode=True, api_keys={"k1": "crm-eu"})
    assert s.api_key_bindings() == {"k1": "crm-eu"}


def test_settings_refuse_an_empty_key() -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        settings(api_keys={"": "crm"})


def test_settings_refuse_another_principal() -> None:
    with pytest.raises(ValidationError, match="principal 'ingest'"):
        settings(principal="contracts")


@pytest.mark.parametrize("schema", ["Ingest", "1ingest", "in-gest", 'x"; drop'])
def test_settings_refuse_unsafe_schema_names(schema: str) -> None:
    with pytest.raises(ValidationError):
        settings(db_schema=schema)


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVMESH_API_KEYS", '{"k-env": "crm-env"}')
    monkeypatch.setenv("GOVMESH_RATE_LIMIT_BURST", "7")
    s = IngestSettings()
    assert s.api_key_bindings() == {"k-env": "crm-env"}
    assert s.rate_limit().burst == 7


def test_settings_build_policy_and_rate_limit() -> None:
    s = settings(
        max_payload_bytes=2048,
        duplicate_window_hours=12,
        timestamp_window_days=3,
        rate_limit_per_s=2,
        rate_limit_burst=5,
    )
    policy = s.policy()
    assert policy.max_payload_bytes == 2048
    assert policy.duplicate_window == timedelta(hours=12)
    assert policy.timestamp_window == timedelta(days=3)
    assert (s.rate_limit().rate_per_s, s.rate_limit().burst) == (2, 5)

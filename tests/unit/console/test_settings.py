"""ConsoleSettings: founder tokens and a real secret outside dev mode; a generated one in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from govmesh.console.settings import ConsoleSettings
from govmesh.schemas import Principal

pytestmark = pytest.mark.unit


def settings(**values: object) -> ConsoleSettings:
    return ConsoleSettings.model_validate({"keys_dir": Path("/nonexistent"), **values})


def test_settings_read_tokens_secret_and_contracts_url_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVMESH_FOUNDER_TOKENS", '{"tok-1": "founder"}')
    monkeypatch.setenv("GOVMESH_CONSOLE_SECRET", "x" * 40)
    monkeypatch.setenv("GOVMESH_CONTRACTS_URL", "http://127.0.0.1:9001")
    s = ConsoleSettings()
    assert s.principal is Principal.CONSOLE
    assert s.founder_tokens == {"tok-1": "founder"}
    assert s.session_secret() == "x" * 40
    assert s.contracts_url == "http://127.0.0.1:9001"


def test_settings_outside_dev_mode_need_founder_tokens() -> None:
    with pytest.raises(ValidationError, match="GOVMESH_FOUNDER_TOKENS"):
        settings(console_secret="x" * 40)


def test_settings_outside_dev_mode_need_a_long_secret() -> None:
    with pytest.raises(ValidationError, match="GOVMESH_CONSOLE_SECRET"):
        settings(founder_tokens={"t": "founder"})
    with pytest.raises(ValidationError, match="GOVMESH_CONSOLE_SECRET"):
        settings(founder_tokens={"t": "founder"}, console_secret="short")


def test_settings_dev_mode_generates_a_secret_per_process() -> None:
    s = settings(dev_mode=True)
    first, second = s.session_secret(), s.session_secret()
    assert len(first) >= 32
    assert first != second


def test_settings_refuse_empty_founder_names_and_other_principals() -> None:
    with pytest.raises(ValidationError, match="must not be empty"):
        settings(dev_mode=True, founder_tokens={"t": " "})
    with pytest.raises(ValidationError, match="principal 'console'"):
        settings(dev_mode=True, principal="contracts")

"""Settings from GOVMESH_* variables: fetch waits of work consumers and views, outbox linger,
retention of the runtime tables."""

from __future__ import annotations

import pytest

from govmesh.mesh.settings import MeshSettings
from govmesh.schemas import Principal

pytestmark = pytest.mark.unit


def test_work_consumers_and_views_share_the_fetch_wait_unless_work_has_its_own() -> None:
    settings = MeshSettings(principal=Principal.EXECUTOR, fetch_max_wait_ms=250)
    assert settings.fetch_wait_ms(work=True) == 250
    assert settings.fetch_wait_ms(work=False) == 250


def test_a_work_fetch_wait_from_the_environment_leaves_views_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOVMESH_WORK_FETCH_MAX_WAIT_MS", "10")
    settings = MeshSettings(principal=Principal.EXECUTOR)
    assert settings.fetch_wait_ms(work=True) == 10
    assert settings.fetch_wait_ms(work=False) == 100


def test_a_work_fetch_wait_out_of_range_names_the_field() -> None:
    with pytest.raises(ValueError, match="work_fetch_max_wait_ms"):
        MeshSettings(principal=Principal.EXECUTOR, work_fetch_max_wait_ms=0)


def test_the_outbox_linger_comes_from_the_environment_and_zero_turns_it_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert MeshSettings(principal=Principal.EXECUTOR).outbox_linger_ms == 20
    monkeypatch.setenv("GOVMESH_OUTBOX_LINGER_MS", "0")
    assert MeshSettings(principal=Principal.EXECUTOR).outbox_linger_ms == 0
    with pytest.raises(ValueError, match="outbox_linger_ms"):
        MeshSettings(principal=Principal.EXECUTOR, outbox_linger_ms=-1)


def test_retention_defaults_and_an_inbox_that_would_forget_before_the_outbox_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = MeshSettings(principal=Principal.EXECUTOR)
    assert (settings.outbox_retention_hours, settings.inbox_retention_hours) == (24, 168)
    monkeypatch.setenv("GOVMESH_INBOX_RETENTION_HOURS", "12")
    with pytest.raises(ValueError, match="inbox_retention_hours must be at least"):
        MeshSettings(principal=Principal.EXECUTOR)
    settings = MeshSettings(principal=Principal.EXECUTOR, outbox_retention_hours=6)
    assert settings.inbox_retention_hours == 12
    with pytest.raises(ValueError, match="prune_interval_s"):
        MeshSettings(principal=Principal.EXECUTOR, prune_interval_s=0)

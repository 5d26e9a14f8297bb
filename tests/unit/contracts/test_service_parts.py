"""Pure parts of the running service: the health view (E-104 input), settings, the
topic dispatch table and the timer handler table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from govmesh.contracts.adapters.health_view import HealthView
from govmesh.contracts.adapters.messages import PRODUCES, Publisher
from govmesh.contracts.adapters.repository import MANAGED_KINDS, capability_key
from govmesh.contracts.domain import TimerKind, TimerPolicy
from govmesh.contracts.entrypoints.consumers import CONSUMED, topic_handlers
from govmesh.contracts.service_layer.deps import Deps
from govmesh.contracts.service_layer.timers import TIMER_HANDLERS
from govmesh.contracts.settings import ContractsSettings
from govmesh.schemas import (
    SYSTEM_SCOPE,
    TOPICS,
    Envelope,
    HealthSignal,
    HealthStatus,
    Principal,
    Severity,
)
from govmesh.schemas.common import Message

from .factories import T0

pytestmark = pytest.mark.unit


def signal(status: HealthStatus, at_offset: timedelta, valid: timedelta) -> HealthSignal:
    return HealthSignal(
        scope=SYSTEM_SCOPE,
        status=status,
        source="baseline",
        reason="test",
        observed_at=T0 + at_offset,
        valid_until=T0 + at_offset + valid,
    )


def test_E104_health_is_unknown_without_a_fresh_signal() -> None:
    view = HealthView()
    assert view.system(T0) == HealthStatus.UNKNOWN
    view.fold(signal(HealthStatus.HEALTHY, timedelta(0), timedelta(seconds=15)))
    assert view.system(T0 + timedelta(seconds=15)) == HealthStatus.HEALTHY
    assert view.system(T0 + timedelta(seconds=16)) == HealthStatus.UNKNOWN


def test_E104_newest_signal_wins_and_an_older_one_arriving_late_is_ignored() -> None:
    view = HealthView()
    view.fold(signal(HealthStatus.DEGRADED, timedelta(seconds=10), timedelta(minutes=1)))
    view.fold(signal(HealthStatus.HEALTHY, timedelta(0), timedelta(minutes=1)))
    assert view.system(T0 + timedelta(seconds=20)) == HealthStatus.DEGRADED


def test_settings_defaults_are_the_spec_values() -> None:
    settings = ContractsSettings()
    policy = settings.timer_policy()
    assert settings.db_schema == "contracts"
    assert (policy.ttl, policy.review_warning_after, policy.review_escalation_after) == (
        timedelta(days=7),
        timedelta(days=5),
        timedelta(days=6),
    )
    assert settings.founders() is None


def test_settings_founders_come_from_the_console_tokens_and_approvals_by_risk() -> None:
    settings = ContractsSettings(
        founder_tokens={"a": "alice", "b": "bob"}, required_approvals={"critical": 2}
    )
    assert settings.founders() == frozenset({"alice", "bob"})
    assert settings.required_approvals == {Severity.CRITICAL: 2}


@pytest.mark.parametrize(
    "bad",
    [
        {"required_approvals": {"high": 0}},
        {"review_warning_hours": 150},
        {"principal": "ingest"},
        {"db_schema": "Bad-Schema"},
    ],
)
def test_settings_refuse_inconsistent_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ContractsSettings.model_validate(bad)


def _unused_envelope(message: Message, **_: object) -> Envelope:
    raise AssertionError("not called")


def test_dispatch_table_covers_exactly_the_declared_topics_and_contracts_may_consume_them() -> None:
    deps = Deps(Publisher(_unused_envelope), TimerPolicy(), HealthView(), lambda: T0)
    assert tuple(topic_handlers(deps)) == CONSUMED
    for name in CONSUMED:
        assert Principal.CONTRACTS in TOPICS[name].consumers
    for name in PRODUCES:
        assert Principal.CONTRACTS in TOPICS[name].producers


def test_every_managed_timer_kind_has_a_handler() -> None:
    assert set(MANAGED_KINDS) == {k.value for k in TimerKind}
    assert set(TIMER_HANDLERS) >= MANAGED_KINDS


def test_E006_capability_claims_compare_case_insensitively() -> None:
    assert capability_key(" logs_list ") == capability_key("LOGS_LIST") == "LOGS_LIST"

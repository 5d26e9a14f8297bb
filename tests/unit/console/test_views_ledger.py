"""The in-memory views and the ledger of submitted decisions."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import pytest

from govmesh.console.adapters.views import ConsoleViews
from govmesh.console.domain.health import effective_health
from govmesh.console.domain.ledger import DecisionLedger, Submission, SubmissionState, state_of
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractStatus,
    FounderAction,
    HealthSignal,
    HealthStatus,
    Notification,
    NotificationKind,
    Principal,
    RegistryState,
)
from tests.unit.console.factories import T0, contract, delivery, lifecycle, recorded, refused

pytestmark = pytest.mark.unit


async def test_views_keep_the_newest_contract_and_its_history_by_version() -> None:
    views = ConsoleViews()
    v3 = contract(ContractStatus.ELIGIBLE, version=3)
    v4 = v3.model_copy(update={"version": 4, "status": ContractStatus.APPROVED})
    await views.apply([delivery(lifecycle(v3)), delivery(lifecycle(v4, ContractStatus.ELIGIBLE))])
    # A replay of the older event (the group-less view re-reads) changes nothing.
    await views.apply([delivery(lifecycle(v3))])
    assert views.contract(v3.contract_id) == v4
    assert [t.to_status for t in views.history(v3.contract_id)] == [
        ContractStatus.ELIGIBLE,
        ContractStatus.APPROVED,
    ]
    assert views.contract(uuid4()) is None
    assert views.history(uuid4()) == []


async def test_views_keep_newest_registry_and_health_and_dedupe_notifications() -> None:
    views = ConsoleViews(max_notifications=2)
    r1 = RegistryState(name="LOGS_LIST", enabled=False, revision=2, updated_at=T0)
    r0 = RegistryState(name="LOGS_LIST", enabled=True, revision=1, updated_at=T0)
    h = HealthSignal(
        scope=SYSTEM_SCOPE,
        status=HealthStatus.HEALTHY,
        source="baseline",
        reason="no alert",
        observed_at=T0,
        valid_until=T0 + timedelta(seconds=15),
    )
    cid = uuid4()
    n1, n2, n3 = (refused(cid, T0 + timedelta(seconds=i)) for i in range(3))
    await views.apply(
        [
            delivery(r1, Principal.EXECUTOR),
            delivery(r0, Principal.EXECUTOR),
            delivery(h, Principal.HEALTH),
            delivery(n1),
            delivery(n1),
            delivery(n2),
        ]
    )
    assert views.registry["LOGS_LIST"].revision == 2
    assert views.health[SYSTEM_SCOPE] == h
    assert views.notifications() == [n2, n1]
    await views.apply([delivery(n3)])
    assert views.notifications(cid) == [n3, n2]
    assert views.notifications(uuid4()) == []


def test_PART2_005_health_is_unknown_without_a_fresh_signal() -> None:
    h = HealthSignal(
        scope=SYSTEM_SCOPE,
        status=HealthStatus.HEALTHY,
        source="baseline",
        reason="no alert",
        observed_at=T0,
        valid_until=T0 + timedelta(seconds=15),
    )
    assert effective_health(h, T0 + timedelta(seconds=15)) == HealthStatus.HEALTHY
    assert effective_health(h, T0 + timedelta(seconds=16)) == HealthStatus.UNKNOWN
    assert effective_health(None, T0) == HealthStatus.UNKNOWN


def _submission(
    cid: UUID,
    action: FounderAction = FounderAction.APPROVE,
    founder: str = "founder",
    at: datetime = T0,
    version: int = 3,
) -> Submission:
    return Submission(uuid4(), cid, action, founder, at, version)


def test_ledger_submission_is_submitted_until_reflected_or_refused() -> None:
    c = contract(version=3)
    s = _submission(c.contract_id)
    assert state_of(s, c, []) == SubmissionState.SUBMITTED
    moved = c.model_copy(update={"version": 4, "status": ContractStatus.APPROVED})
    assert state_of(s, moved, []) == SubmissionState.REFLECTED
    assert state_of(s, c, [refused(c.contract_id, T0 + timedelta(seconds=1))]) == (
        SubmissionState.REFUSED
    )
    # A refusal from before the submission is about an earlier decision.
    assert state_of(s, c, [refused(c.contract_id, T0 - timedelta(seconds=1))]) == (
        SubmissionState.SUBMITTED
    )
    other_kind = Notification(
        notification_id=uuid4(),
        contract_id=c.contract_id,
        kind=NotificationKind.OUTCOME,
        audience="requester",
        message="done",
        at=T0 + timedelta(seconds=1),
    )
    assert state_of(s, c, [other_kind]) == SubmissionState.SUBMITTED


def test_a_decision_recorded_without_a_new_version_is_answered_by_its_own_notification() -> None:
    c = contract(version=3)
    ack = _submission(c.contract_id, FounderAction.ACKNOWLEDGE_INCIDENT)
    other = _submission(c.contract_id, FounderAction.ACKNOWLEDGE_INCIDENT)
    later = T0 + timedelta(seconds=1)
    notes = [recorded(c.contract_id, ack.decision_id, later)]
    # The contract stays at version 3: only the notification naming the decision answers.
    assert state_of(ack, c, notes) == SubmissionState.RECORDED
    assert state_of(other, c, notes) == SubmissionState.SUBMITTED
    # A refusal naming another decision does not answer this one, even if it is later.
    assert state_of(ack, c, [refused(c.contract_id, later, decision_id=other.decision_id)]) == (
        SubmissionState.SUBMITTED
    )
    assert state_of(ack, c, [refused(c.contract_id, later, decision_id=ack.decision_id)]) == (
        SubmissionState.REFUSED
    )


def test_REVIEW_DUPLICATE_FOUNDER_ledger_approvers_exclude_refused_approvals() -> None:
    ledger = DecisionLedger(per_contract=3)
    cid = uuid4()
    ledger.record(_submission(cid, founder="alice", at=T0))
    ledger.record(_submission(cid, FounderAction.REJECT, founder="bob", at=T0))
    assert ledger.approvers(cid, []) == frozenset({"alice"})
    assert ledger.approvers(cid, [refused(cid, T0 + timedelta(seconds=1))]) == frozenset()
    bobs = ledger.for_contract(cid)[1].decision_id
    named = refused(cid, T0 + timedelta(seconds=1), decision_id=bobs)
    assert ledger.approvers(cid, [named]) == frozenset({"alice"})  # bob's REJECT was refused
    assert ledger.approvers(uuid4(), []) == frozenset()
    for i in range(3):
        ledger.record(_submission(cid, FounderAction.REJECT, at=T0 + timedelta(seconds=i)))
    assert len(ledger.for_contract(cid)) == 3  # bounded per contract

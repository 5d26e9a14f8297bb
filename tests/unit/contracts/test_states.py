"""The SPEC §5 table itself, and `transition` applying every row and refusing every other pair."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

import pytest

from govmesh.contracts.domain import (
    ALLOWED_PAIRS,
    AUDIT_STATES,
    INTAKE_STATES,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    ContractRuleViolation,
    allowed_targets,
    rule_for,
    transition,
)
from govmesh.schemas import ContractStatus
from govmesh.schemas.contracts import AuditState

from .factories import DAY, HOUR, T0, approved_fields, snapshot

pytestmark = pytest.mark.unit

S = ContractStatus

SPEC_TABLE = {
    (S.DRAFT, S.VALIDATED),
    (S.DRAFT, S.REJECTED),
    (S.VALIDATED, S.ELIGIBLE),
    (S.VALIDATED, S.REJECTED),
    (S.ELIGIBLE, S.APPROVED),
    (S.ELIGIBLE, S.REJECTED),
    (S.ELIGIBLE, S.SUPERSEDED),
    (S.DRAFT, S.EXPIRED),
    (S.VALIDATED, S.EXPIRED),
    (S.ELIGIBLE, S.EXPIRED),
    (S.APPROVED, S.ACTIVE),
    (S.APPROVED, S.FAILED),
    (S.ACTIVE, S.COMPLETED),
    (S.ACTIVE, S.FAILED),
}


def test_CONTRACT001_table_is_exactly_spec_section_5() -> None:
    assert ALLOWED_PAIRS == SPEC_TABLE
    assert rule_for(None, S.DRAFT) is not None
    assert [r for r in TRANSITIONS if r.source is None] == [rule_for(None, S.DRAFT)]
    assert all(rule.trigger for rule in TRANSITIONS)


def test_CONTRACT005_terminal_states_have_no_way_out_and_others_do() -> None:
    assert {S.COMPLETED, S.FAILED, S.REJECTED, S.EXPIRED, S.SUPERSEDED} == TERMINAL
    for status in ContractStatus:
        assert (not allowed_targets(status)) == (status in TERMINAL)
    assert frozenset(ContractStatus) - TERMINAL == OPEN


def test_audit_states_are_the_terminal_states_carrying_an_audit_verdict() -> None:
    assert {S.COMPLETED, S.FAILED} == AUDIT_STATES
    assert AUDIT_STATES <= TERMINAL


def test_CONTRACT001_intake_states_stop_before_founder_review() -> None:
    assert {S.DRAFT, S.VALIDATED, S.ELIGIBLE, S.REJECTED} == INTAKE_STATES


def _prepared(source: ContractStatus, target: ContractStatus) -> tuple[Any, datetime, str]:
    """A contract in `source` that satisfies the guards of `target`, the time and reason."""
    overrides: dict[str, Any] = {}
    at = T0 + HOUR
    reason = "a reason that is long enough"
    if source in (S.APPROVED, S.ACTIVE) or target == S.APPROVED:
        overrides.update(approved_fields())
    if source == S.ACTIVE or target == S.ACTIVE:
        overrides["job_id"] = uuid4()
    if target == S.COMPLETED:
        overrides["audit_verdict"] = AuditState.PASS
    if target == S.EXPIRED:
        at = T0 + 7 * DAY
    return snapshot(source, **overrides), at, reason


@pytest.mark.parametrize(
    ("source", "target"),
    sorted(SPEC_TABLE),
    ids=lambda s: s.value,
)
def test_CONTRACT001_each_transition_in_the_table_is_applied(
    source: ContractStatus, target: ContractStatus
) -> None:
    contract, at, reason = _prepared(source, target)
    cause = uuid4()

    after, record = transition(
        contract, target, actor="tester", reason=reason, at=at, causation_id=cause
    )

    assert after.status == target
    assert after.status_reason == reason
    assert after.version == contract.version + 1
    assert after.updated_at == at
    assert (record.from_status, record.to_status) == (source, target)
    assert (record.actor, record.reason, record.at, record.causation_id) == (
        "tester",
        reason,
        at,
        cause,
    )


FORBIDDEN = sorted(
    (a, b) for a in ContractStatus for b in ContractStatus if (a, b) not in SPEC_TABLE
)


@pytest.mark.parametrize(("source", "target"), FORBIDDEN, ids=lambda s: s.value)
def test_CONTRACT001_each_forbidden_pair_is_refused(
    source: ContractStatus, target: ContractStatus
) -> None:
    # Give the contract everything any guard could want, so only the table refuses.
    contract = snapshot(source, **approved_fields(), job_id=uuid4(), audit_verdict=AuditState.PASS)

    with pytest.raises(ContractRuleViolation) as refused:
        transition(contract, target, actor="tester", reason="long enough reason", at=T0 + 8 * DAY)

    expected = "CONTRACT-005" if source in TERMINAL else "CONTRACT-001"
    assert refused.value.rule == expected
    assert refused.value.rule in str(refused.value)

"""Building the audit evidence; an audit exists only for a completed job (SM-002)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from govmesh.auditor.domain.errors import AuditorRefusal
from govmesh.auditor.domain.evidence import build_evidence, is_auditable
from govmesh.schemas import HealthStatus, JobEventKind, JobKind, JobStatus, SignalType

from .factories import (
    CONTRACT_ID,
    INCIDENTS,
    LOGS,
    T0,
    WINDOW_END,
    finished_event,
    make_contract,
    signal,
)

pytestmark = pytest.mark.unit


def test_evidence_carries_job_contract_and_window() -> None:
    evidence = build_evidence(finished_event(), make_contract(), [], health_available=True)
    assert evidence.contract_id == CONTRACT_ID
    assert [s.number for s in evidence.steps] == [1, 2, 3]
    assert evidence.window_end == WINDOW_END
    assert evidence.scope == {LOGS, "SYSTEM"}
    assert len(evidence.proposed_changes) == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": JobStatus.FAILED},
        {"status": JobStatus.RUNNING},
        {"status": JobStatus.ROLLED_BACK},
        {"event": JobEventKind.STEP},
        {"event": JobEventKind.CANCELLED, "status": JobStatus.CANCELLED},
        {"kind": JobKind.ROLLBACK},
    ],
)
def test_SM002_audit_only_for_a_completed_execution_job(overrides: dict[str, object]) -> None:
    with pytest.raises(AuditorRefusal) as refused:
        build_evidence(finished_event(**overrides), make_contract(), [], health_available=True)
    assert refused.value.rule == "SM-002"


def test_SM002_audit_pending_job_is_still_auditable() -> None:
    event = finished_event(status=JobStatus.AUDIT_PENDING)
    assert build_evidence(event, make_contract(), [], health_available=True).job_id == event.job_id


def test_SM002_job_of_another_contract_is_refused() -> None:
    with pytest.raises(AuditorRefusal, match="belongs to contract"):
        build_evidence(
            finished_event(contract_id=uuid4()), make_contract(), [], health_available=True
        )


def test_only_signals_for_the_scope_are_kept_latest_per_scope_and_type() -> None:
    older = signal(LOGS, SignalType.BLOCKED, active=True, issued_at=T0)
    newer = signal(LOGS, SignalType.BLOCKED, active=False, issued_at=T0 + timedelta(minutes=1))
    elsewhere = signal(INCIDENTS, SignalType.FROZEN)
    system = signal("SYSTEM", SignalType.PRE_APPROVAL)
    evidence = build_evidence(
        finished_event(), make_contract(), [newer, elsewhere, older, system], health_available=True
    )
    assert evidence.signals == (newer, system)


@pytest.mark.parametrize(
    ("overrides", "auditable"),
    [
        ({}, True),
        ({"status": JobStatus.AUDIT_PENDING}, True),
        ({"status": JobStatus.FAILED}, False),
        ({"event": JobEventKind.STARTED, "status": JobStatus.RUNNING}, False),
        ({"event": JobEventKind.STEP, "status": JobStatus.RUNNING}, False),
        ({"kind": JobKind.ROLLBACK, "status": JobStatus.ROLLED_BACK}, False),
        ({"kind": JobKind.ROLLBACK}, False),
    ],
)
def test_SM002_is_auditable_agrees_with_build_evidence(
    overrides: dict[str, object], auditable: bool
) -> None:
    event = finished_event(**overrides)
    assert is_auditable(event) is auditable
    if not auditable:
        with pytest.raises(AuditorRefusal):
            build_evidence(event, make_contract(), [], health_available=True)


def test_audit_time_context_is_kept_with_the_evidence() -> None:
    reading = {"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.UNKNOWN}
    registry = {LOGS: {"enabled": True, "revision": 7}}
    evidence = build_evidence(
        finished_event(),
        make_contract(),
        [],
        health_available=False,
        health_at_audit=reading,
        registry_at_audit=registry,
    )
    assert evidence.health_at_audit == reading
    assert evidence.registry_at_audit == registry

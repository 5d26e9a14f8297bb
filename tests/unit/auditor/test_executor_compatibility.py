"""The executor's recorded formats are what the auditor reads (A-003, A-005, A-007).

The two services never import each other, so the snapshot and rollback-action shapes are a
contract between them; this test runs real executor steps and audits the result.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from govmesh.auditor.domain.audit import audit as run_audit
from govmesh.auditor.domain.audit import derive_audit_id
from govmesh.auditor.domain.evidence import build_evidence
from govmesh.executor.domain.health_gate import EMPTY_HEALTH_VIEW, apply_health, health_snapshot
from govmesh.executor.domain.registry import CapabilityState, RegistryModel, snapshot
from govmesh.executor.domain.runner import step_finished, step_started
from govmesh.executor.domain.steps import apply_step
from govmesh.schemas import (
    CapabilityDisable,
    CapabilityEnable,
    CheckOutcome,
    ConfigurationUpdate,
    HealthSignal,
    HealthStatus,
    JobEventKind,
    JobKind,
    JobStatus,
    Lifecycle,
    ParameterChange,
    PlannedStep,
    ProposedChange,
    StepType,
)

from .factories import (
    CONTRACT_ID,
    FINISHED,
    INCIDENTS,
    JOB_ID,
    LOGS,
    STARTED,
    T0,
    finished_event,
    make_contract,
)

pytestmark = pytest.mark.unit


def _plan(changes: list[ProposedChange]) -> list[PlannedStep]:
    """The plan per the executor's documented step parameters."""
    specs: list[tuple[StepType, str, dict[str, Any]]] = []
    for change in changes:
        if isinstance(change, CapabilityEnable):
            specs.append(
                (
                    StepType.CAPABILITY_ENABLE,
                    change.capability_name,
                    {"target_lifecycle": change.target_lifecycle.value},
                )
            )
        elif isinstance(change, CapabilityDisable):
            specs.append(
                (StepType.CAPABILITY_DISABLE, change.capability_name, {"reason": change.reason})
            )
        elif isinstance(change, ConfigurationUpdate):
            params = {
                "key": change.key,
                "old_value": change.old_value,
                "new_value": change.new_value,
            }
            specs.append((StepType.CONFIG_UPDATE, change.scope, params))
        elif isinstance(change, ParameterChange):
            specs.extend(
                (StepType.CONFIG_UPDATE, change.scope, {"key": k, "new_value": v})
                for k, v in sorted(change.parameters.items())
            )
    specs.append((StepType.SIGNAL_RECORD, LOGS, {"signal_type": "CHANGE_RECORDED"}))
    return [
        PlannedStep(number=n, type=t, target=s, parameters=p)
        for n, (t, s, p) in enumerate(specs, start=1)
    ]


def _registry() -> RegistryModel:
    return RegistryModel(
        capabilities={
            LOGS: CapabilityState(name=LOGS, enabled=False, lifecycle=Lifecycle.PREVIEW),
            INCIDENTS: CapabilityState(
                name=INCIDENTS, enabled=True, lifecycle=Lifecycle.LAUNCHED, config={"page_size": 50}
            ),
        },
        system_config={"max_requests_per_minute": 100},
    )


def _audit_real_run(changes: list[ProposedChange], *, tamper: bool = False) -> CheckOutcome:
    view = EMPTY_HEALTH_VIEW
    for scope in ("SYSTEM", LOGS, INCIDENTS):
        view = apply_health(
            view,
            HealthSignal(
                scope=scope,
                status=HealthStatus.HEALTHY,
                source="probe",
                reason="ok",
                observed_at=T0,
                valid_until=T0 + timedelta(hours=1),
            ),
        )
    before = _registry()
    registry = before
    records = []
    for planned in _plan(changes):
        registry, outcome = apply_step(registry, planned)
        assert outcome.ok, outcome.error
        records.append(step_finished(step_started(planned, STARTED), outcome, FINISHED))
    after_snapshot = snapshot(registry)
    if tamper:
        after_snapshot[INCIDENTS]["qualifier"] = "everyone"
    scopes = [LOGS, INCIDENTS]
    event = finished_event(
        job_id=JOB_ID,
        contract_id=CONTRACT_ID,
        kind=JobKind.EXECUTION,
        event=JobEventKind.FINISHED,
        status=JobStatus.COMPLETED,
        steps=records,
        health_before=health_snapshot(view, scopes, STARTED),
        health_after=health_snapshot(view, scopes, FINISHED),
        registry_before=snapshot(before),
        registry_after=after_snapshot,
    )
    contract = make_contract(proposed_changes=changes, affected_capabilities=scopes)
    evidence = build_evidence(event, contract, [], health_available=True)
    verdict = run_audit(evidence, derive_audit_id(JOB_ID, 1), FINISHED, 3)
    return verdict.verdict


CHANGE_SETS: list[list[ProposedChange]] = [
    [CapabilityEnable(capability_name=LOGS, target_lifecycle=Lifecycle.LAUNCHED)],
    [CapabilityDisable(capability_name=INCIDENTS, reason="broken page")],
    [
        ConfigurationUpdate(
            scope="SYSTEM", key="max_requests_per_minute", old_value=100, new_value=200
        )
    ],
    [ConfigurationUpdate(scope="SYSTEM", key="burst", old_value=None, new_value=20)],
    [ParameterChange(scope=INCIDENTS, parameters={"page_size": 25, "sort": "desc"})],
    [
        CapabilityEnable(capability_name=LOGS, target_lifecycle=Lifecycle.PREVIEW),
        ConfigurationUpdate(scope=INCIDENTS, key="page_size", old_value=50, new_value=100),
    ],
]


@pytest.mark.parametrize("changes", CHANGE_SETS)
def test_executor_run_of_the_contract_passes_the_audit(changes: list[ProposedChange]) -> None:
    assert _audit_real_run(changes) is CheckOutcome.PASS


def test_A007_executor_run_with_a_side_change_fails_the_audit() -> None:
    assert _audit_real_run(CHANGE_SETS[0], tamper=True) is CheckOutcome.FAIL

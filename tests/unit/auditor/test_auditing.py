"""One audit over in-memory views: contract wait, retry, time budget, determinism (SPEC §8).

No broker: the views are fed with `put`, the clock and the retry sleep are injected.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from datetime import timedelta
from typing import Any

import pytest

from govmesh.auditor.adapters.views import (
    ContractView,
    HealthView,
    RegistryView,
    SignalView,
)
from govmesh.auditor.domain.audit import derive_audit_id
from govmesh.auditor.service_layer.auditing import Auditing, Views
from govmesh.schemas import (
    AuditVerdict,
    CheckOutcome,
    ContractLifecycle,
    ContractSnapshot,
    ContractStatus,
    HealthSignal,
    HealthStatus,
    JobEvent,
    Lifecycle,
    RegistryState,
    SignalType,
    Transition,
)

from .factories import (
    FINISHED,
    INCIDENTS,
    JOB_ID,
    LOGS,
    T0,
    finished_event,
    make_contract,
    registry_after,
    signal,
)

pytestmark = pytest.mark.unit

NOW = FINISHED + timedelta(seconds=2)
DELAY = 20.0


def lifecycle(contract: ContractSnapshot) -> ContractLifecycle:
    return ContractLifecycle(
        contract=contract,
        transition=Transition(
            from_status=ContractStatus.APPROVED,
            to_status=contract.status,
            actor="contracts",
            reason="activation window opened",
            at=T0,
        ),
    )


def health(scope: str, status: HealthStatus = HealthStatus.HEALTHY, *, fresh: bool = True) -> Any:
    valid_until = NOW + timedelta(seconds=15) if fresh else NOW - timedelta(seconds=1)
    return HealthSignal(
        scope=scope,
        status=status,
        source="baseline",
        reason="test",
        observed_at=valid_until - timedelta(seconds=15),
        valid_until=valid_until,
    )


class Harness:
    """Views plus an Auditing whose sleep is recorded and can feed the views meanwhile."""

    def __init__(self, *, budget_s: float = 5.0) -> None:
        self.views = Views(ContractView(), HealthView(), SignalView(), RegistryView())
        self.slept: list[float] = []
        self.during_sleep: list[Any] = []
        self.ticks = itertools.count()
        self.auditing = Auditing(
            self.views,
            budget_s=budget_s,
            retry_delay_s=DELAY,
            clock=lambda: NOW,
            monotonic=lambda: next(self.ticks) * 0.001,
            sleep=self.sleep,
        )

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        for message in self.during_sleep:
            self.put(message)

    def put(self, message: Any) -> None:
        if isinstance(message, ContractSnapshot):
            self.views.contracts.put(lifecycle(message))
        elif isinstance(message, HealthSignal):
            self.views.health.put(message)
        elif isinstance(message, RegistryState):
            self.views.registry.put(message)
        else:
            self.views.signals.put(message)

    def ready(self, *, with_health: bool = True) -> Harness:
        self.put(make_contract())
        if with_health:
            self.put(health("SYSTEM"))
            self.put(health(LOGS))
        return self

    async def audit(self, event: JobEvent | None = None) -> AuditVerdict:
        return await self.auditing.audit(event or finished_event())


def _outcome(verdict: AuditVerdict, check: str) -> CheckOutcome:
    return next(c.outcome for c in verdict.checks if c.check == check)


async def test_A001_to_A007_completed_job_with_its_active_contract_passes() -> None:
    harness = Harness().ready()
    verdict = await harness.audit()
    assert (verdict.verdict, verdict.reason) == (CheckOutcome.PASS, "All checks passed")
    assert [c.outcome for c in verdict.checks] == [CheckOutcome.PASS] * 7
    assert verdict.attempt == 1
    assert verdict.audit_id == derive_audit_id(JOB_ID, 1)
    assert verdict.audited_at == finished_event().at
    assert verdict.evidence["health_timeline"]["at_audit"] == {"SYSTEM": "HEALTHY", LOGS: "HEALTHY"}
    assert harness.slept == []


async def test_SM002_job_event_before_the_active_contract_waits_for_the_view() -> None:
    harness = Harness()
    harness.put(health("SYSTEM"))
    harness.put(health(LOGS))
    harness.put(make_contract(status=ContractStatus.APPROVED, job_id=None, version=4))
    task = asyncio.create_task(harness.audit())
    await asyncio.sleep(0.01)
    assert not task.done()
    harness.put(make_contract())
    verdict = await asyncio.wait_for(task, 1)
    assert verdict.verdict is CheckOutcome.PASS


async def test_A007_unexpected_registry_change_fails_without_retry() -> None:
    harness = Harness().ready()
    after = registry_after()
    after[INCIDENTS]["qualifier"] = "everyone"
    verdict = await harness.audit(finished_event(registry_after=after))
    assert verdict.verdict is CheckOutcome.FAIL
    assert verdict.reason == "Failed checks: A-007"
    assert "INCIDENT_DETAIL.qualifier" in next(
        c.reason for c in verdict.checks if c.check == "A-007"
    )
    assert (verdict.attempt, harness.slept) == (1, [])


@pytest.mark.parametrize(
    "signals",
    [[], [health(LOGS, fresh=False)], [health(LOGS, HealthStatus.UNKNOWN)]],
    ids=["no-signal", "stale", "unknown"],
)
async def test_A002_no_fresh_health_is_inconclusive_after_one_retry(
    signals: list[HealthSignal],
) -> None:
    harness = Harness().ready(with_health=False)
    for item in [health("SYSTEM"), *signals]:
        harness.put(item)
    verdict = await harness.audit()
    assert verdict.verdict is CheckOutcome.INCONCLUSIVE
    assert verdict.reason == "Inconclusive checks: A-002"
    assert _outcome(verdict, "A-002") is CheckOutcome.INCONCLUSIVE
    assert harness.slept == [DELAY]
    assert verdict.attempt == 2
    assert verdict.audit_id == derive_audit_id(JOB_ID, 2)
    assert verdict.evidence["health_timeline"]["at_audit"][LOGS] == "UNKNOWN"


async def test_A002_retry_reads_health_that_became_fresh_and_passes() -> None:
    harness = Harness().ready(with_health=False)
    harness.put(health("SYSTEM"))
    harness.during_sleep = [health(LOGS)]
    verdict = await harness.audit()
    assert (verdict.verdict, verdict.attempt) == (CheckOutcome.PASS, 2)
    assert verdict.audit_id == derive_audit_id(JOB_ID, 2)


async def test_A002_unknown_health_in_the_job_snapshot_is_inconclusive_even_with_fresh_view() -> (
    None
):
    harness = Harness().ready()
    event = finished_event(
        health_after={"SYSTEM": HealthStatus.HEALTHY, LOGS: HealthStatus.UNKNOWN}
    )
    verdict = await harness.audit(event)
    assert verdict.verdict is CheckOutcome.INCONCLUSIVE
    assert (verdict.attempt, harness.slept) == (2, [DELAY])


async def test_A006_conflicting_signals_from_the_view_fail() -> None:
    harness = Harness().ready()
    harness.put(signal(LOGS, SignalType.BLOCKED))
    harness.put(signal(LOGS, SignalType.PRE_APPROVAL))
    verdict = await harness.audit()
    assert verdict.reason == "Failed checks: A-006"
    assert len(verdict.evidence["signal_history"]) == 2


async def test_audit_without_its_contract_times_out_inconclusive_never_pass() -> None:
    harness = Harness(budget_s=0.05)
    harness.put(health("SYSTEM"))
    harness.put(health(LOGS))
    harness.put(make_contract(job_id=None, status=ContractStatus.APPROVED))
    verdict = await harness.audit()
    assert (verdict.verdict, verdict.reason) == (CheckOutcome.INCONCLUSIVE, "audit timed out")
    assert verdict.counts == {"PASS": 0, "FAIL": 0, "INCONCLUSIVE": 7}
    assert verdict.attempt == 1
    assert verdict.audit_id == derive_audit_id(JOB_ID, 1)
    assert "contracts.lifecycle" in verdict.evidence["anomalies"][0]


async def test_contract_with_another_job_is_not_used_as_evidence() -> None:
    harness = Harness(budget_s=0.05)
    harness.put(make_contract(job_id=derive_audit_id(JOB_ID, 9)))
    verdict = await harness.audit()
    assert verdict.reason == "audit timed out"


async def test_audit_timing_out_during_the_retry_is_inconclusive_with_attempt_one_results() -> None:
    harness = Harness(budget_s=0.05).ready(with_health=False)
    harness.put(health("SYSTEM"))

    async def never(_: float) -> None:
        await asyncio.Event().wait()

    harness.auditing._sleep = never
    verdict = await harness.audit()
    assert (verdict.verdict, verdict.reason) == (CheckOutcome.INCONCLUSIVE, "audit timed out")
    assert verdict.attempt == 2
    assert _outcome(verdict, "A-002") is CheckOutcome.INCONCLUSIVE
    assert verdict.counts == {"PASS": 6, "FAIL": 0, "INCONCLUSIVE": 1}


async def test_replay_of_the_same_evidence_gives_the_identical_verdict() -> None:
    harness = Harness().ready()
    harness.put(
        RegistryState(
            name=LOGS,
            enabled=True,
            lifecycle=Lifecycle.LAUNCHED,
            revision=2,
            updated_at=FINISHED,
        )
    )
    event = finished_event()
    first = await harness.audit(event)
    replay = await harness.audit(JobEvent.model_validate(copy.deepcopy(event.model_dump())))
    assert first.model_dump(mode="json", exclude={"duration_ms"}) == replay.model_dump(
        mode="json", exclude={"duration_ms"}
    )
    assert first.evidence["registry_at_audit"][LOGS]["revision"] == 2


def test_views_keep_the_newest_record() -> None:
    contracts = ContractView()
    contracts.put(lifecycle(make_contract(version=6)))
    contracts.put(lifecycle(make_contract(version=5, status=ContractStatus.APPROVED)))
    assert contracts.lookup(make_contract().contract_id, JOB_ID) is not None
    registry = RegistryView()
    for revision in (3, 2):
        registry.put(RegistryState(name=LOGS, enabled=True, revision=revision, updated_at=FINISHED))
    assert registry.snapshot({LOGS, "MISSING"}) == {
        LOGS: {
            "name": LOGS,
            "enabled": True,
            "lifecycle": None,
            "frozen": False,
            "qualifier": None,
            "config": {},
            "revision": 3,
        }
    }
    views = HealthView()
    views.put(health(LOGS, HealthStatus.DEGRADED))
    views.put(
        HealthSignal(
            scope=LOGS,
            status=HealthStatus.HEALTHY,
            source="baseline",
            reason="old",
            observed_at=T0,
            valid_until=T0,
        )
    )
    assert views.signals[LOGS].status is HealthStatus.DEGRADED

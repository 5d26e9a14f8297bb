"""The outcome of ACTIVE contracts on the real broker and PostgreSQL (SPEC §5 step 10, §8, §9).

Contracts are brought to ACTIVE through the contracts repository and domain (the same
calls the service makes: create, founder approval, activation), then the executor's job
events, the auditor's verdicts, health signals and founder decisions arrive signed by
their principals. Time is an injected clock: bakes and audit timeouts pass in
milliseconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.adapters.messages import Publisher
from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.app import ContractsRuntime, build, migrate
from govmesh.contracts.domain import (
    TimerPolicy,
    activate,
    contract_id_for,
    create_from_assessment,
    decide,
    execution_job_id,
    rollback_job_id,
)
from govmesh.contracts.settings import ContractsSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import OutboxWriter, create_engine
from govmesh.mesh.signing import Signer
from govmesh.schemas import (
    SYSTEM_SCOPE,
    AuditCheckResult,
    AuditVerdict,
    CheckOutcome,
    ContractSnapshot,
    Envelope,
    FounderAction,
    FounderDecision,
    HealthSignal,
    HealthStatus,
    JobEvent,
    JobEventKind,
    JobKind,
    JobStatus,
    Principal,
    StepRecord,
    StepStatus,
    StepType,
)
from govmesh.schemas.common import Message
from tests.infra import unique
from tests.integration.helpers import drain, produce_raw, values
from tests.unit.contracts.factories import (
    T0,
    assessed,
    context,
    decision,
    enable,
    validator_verdict,
)

pytestmark = pytest.mark.integration

T = TypeVar("T")
BAKE = timedelta(seconds=60)
BAKE_CHECK = timedelta(seconds=20)
AUDIT_TIMEOUT = timedelta(seconds=120)
LONG = timedelta(days=60)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def eventually(check: Callable[[], Awaitable[T | None]], timeout_s: float = 30.0) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        found = await check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


@dataclass
class Service:
    settings: ContractsSettings
    runtime: ContractsRuntime
    client: httpx.AsyncClient
    db: AsyncEngine
    clock: Clock
    keys_dir: Path
    app: FastAPI

    async def publish(
        self,
        topic: str,
        key: UUID | str,
        message: Message,
        principal: Principal,
        event_id: UUID | None = None,
    ) -> Envelope:
        signer = Signer.load(self.keys_dir, principal)
        envelope = make_envelope(message, signer, event_id=event_id)
        await produce_raw(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic(topic),
            [(str(key).encode(), envelope.to_bytes())],
        )
        return envelope

    async def health(self, scope: str, status: HealthStatus) -> None:
        signal = HealthSignal(
            scope=scope,
            status=status,
            source="baseline" if status == HealthStatus.HEALTHY else "override:test-ops",
            reason=f"test says {status.value}",
            observed_at=self.clock(),
            valid_until=self.clock() + LONG,
        )
        await self.publish("health.signals", scope, signal, Principal.HEALTH)
        await eventually(
            lambda: _value(self.runtime.health.status(scope, self.clock()) == status or None)
        )

    async def job_event(self, event: JobEvent) -> Envelope:
        return await self.publish("jobs.events", event.contract_id, event, Principal.EXECUTOR)

    async def verdict(self, verdict: AuditVerdict) -> Envelope:
        return await self.publish(
            "audits.verdicts", verdict.contract_id, verdict, Principal.AUDITOR
        )

    async def decide(
        self, contract: ContractSnapshot, action: FounderAction, **fields: Any
    ) -> FounderDecision:
        made = decision(contract, action, decided_at=self.clock(), **fields)
        await self.publish(
            "founder.decisions", contract.contract_id, made, Principal.CONSOLE, made.decision_id
        )
        return made

    async def contract(self, contract_id: UUID) -> ContractSnapshot:
        answer = await self.client.get(f"/api/v1/contracts/{contract_id}")
        answer.raise_for_status()
        return ContractSnapshot.model_validate(answer.json())

    async def status_of(self, contract_id: UUID, status: str) -> ContractSnapshot:
        async def check() -> ContractSnapshot | None:
            found = await self.contract(contract_id)
            return found if found.status.value == status else None

        return await eventually(check)

    async def audit(self, job_id: UUID, **match: Any) -> dict[str, Any]:
        """GET /api/v1/audits/{job_id} once its fields equal `match` (dotted: rollout.state)."""

        async def check() -> dict[str, Any] | None:
            answer = await self.client.get(f"/api/v1/audits/{job_id}")
            if answer.status_code != 200:
                return None
            body: dict[str, Any] = answer.json()
            return body if all(_dig(body, k) == v for k, v in match.items()) else None

        return await eventually(check)

    async def incidents(self, contract_id: UUID, count: int = 1) -> list[dict[str, Any]]:
        async def check() -> list[dict[str, Any]] | None:
            answer = await self.client.get(
                "/api/v1/incidents", params={"contract_id": str(contract_id)}
            )
            answer.raise_for_status()
            found: list[dict[str, Any]] = answer.json()["incidents"]
            return found if len(found) >= count else None

        return await eventually(check)

    async def messages(
        self, topic: str, until: Callable[[list[dict[str, Any]]], bool]
    ) -> list[dict[str, Any]]:
        records = await drain(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic(topic),
            until=lambda r: until(values(r)),
        )
        return values(records)

    async def tick(self, to: datetime) -> None:
        self.clock.now = to
        self.runtime.timers.wake()

    async def seed_active(self, capability: str) -> ContractSnapshot:
        """An ACTIVE contract through the service's own repository and domain calls."""
        proposal = assessed(
            verdict=validator_verdict(
                affected_capabilities=[capability], proposed_changes=[enable(capability)]
            )
        )
        contract_id = contract_id_for(proposal.issue_id)
        now = self.clock()
        async with self.db.begin() as conn:
            outbox = OutboxWriter(conn)
            repo = ContractRepository(conn, outbox, Publisher(self.runtime.envelope), TimerPolicy())
            eligible, history = create_from_assessment(proposal, contract_id, now)
            assert await repo.claim_capabilities(contract_id, [capability], now) is None
            await repo.create(eligible, history, event=proposal.event, cause=None)
            approval = decide(
                eligible, decision(eligible, FounderAction.APPROVE, decided_at=now), context(), now
            )
            assert approval.transition is not None, approval.refusal
            await repo.apply(eligible, approval.contract, [approval.transition], cause=None)
            active, moved = activate(approval.contract, execution_job_id(contract_id), now)
            await repo.apply(approval.contract, active, [moved], cause=None)
            await outbox.flush()
        return active


def _dig(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("__"):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


async def _value(value: T | None) -> T | None:
    return value


@asynccontextmanager
async def running_service(mesh: Any, keys_dir: Path, clock: Clock) -> AsyncIterator[Service]:
    base = mesh(Principal.CONTRACTS).model_dump()
    base.update(
        db_schema=unique("contracts_"),
        timer_interval_s=0.05,
        contracts_bake_s=BAKE.total_seconds(),
        contracts_bake_check_s=BAKE_CHECK.total_seconds(),
        contracts_audit_timeout_s=AUDIT_TIMEOUT.total_seconds(),
    )
    settings = ContractsSettings.model_validate(base)
    await asyncio.to_thread(migrate, settings)
    runtime, app = build(settings, clock=clock)
    db = create_engine(settings.require_database(), settings.db_schema)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://contracts")
    service = Service(settings, runtime, client, db, clock, keys_dir, app)
    await runtime.start()
    try:
        await service.health(SYSTEM_SCOPE, HealthStatus.HEALTHY)
        yield service
    finally:
        await client.aclose()
        await runtime.stop()
        await db.dispose()


# --- message builders -----------------------------------------------------------------------


def steps_of(contract: ContractSnapshot, *statuses: StepStatus) -> list[StepRecord]:
    """Step records of the contract's job: enable (with its compensation), then signal_record."""
    capability = contract.affected_capabilities[0]
    plan = [
        (
            StepType.CAPABILITY_ENABLE,
            {"type": "capability_disable", "target": capability, "parameters": {}},
        ),
        (StepType.SIGNAL_RECORD, None),
    ]
    return [
        StepRecord(
            number=number,
            type=step_type,
            target=capability,
            parameters={},
            status=status,
            started_at=T0,
            ended_at=T0,
            rollback_action=rollback,
        )
        for number, ((step_type, rollback), status) in enumerate(
            zip(plan, statuses, strict=True), start=1
        )
    ]


def finished(
    contract: ContractSnapshot,
    status: JobStatus,
    steps: list[StepRecord],
    *,
    at: datetime = T0,
    error: str | None = None,
) -> JobEvent:
    assert contract.job_id is not None
    return JobEvent(
        job_id=contract.job_id,
        contract_id=contract.contract_id,
        kind=JobKind.EXECUTION,
        event=JobEventKind.FINISHED,
        status=status,
        at=at,
        steps=steps,
        started_at=at,
        finished_at=at,
        error=error,
        health_before={SYSTEM_SCOPE: HealthStatus.HEALTHY},
        health_after={SYSTEM_SCOPE: HealthStatus.HEALTHY},
    )


def rollback_finished(contract: ContractSnapshot, status: JobStatus) -> JobEvent:
    assert contract.job_id is not None
    return JobEvent(
        job_id=rollback_job_id(contract.job_id),
        contract_id=contract.contract_id,
        kind=JobKind.ROLLBACK,
        event=JobEventKind.FINISHED,
        status=status,
        at=T0,
        finished_at=T0,
        error=None if status == JobStatus.ROLLED_BACK else "registry refused the disable",
        rolls_back_job_id=contract.job_id,
    )


def audit_verdict(contract: ContractSnapshot, outcome: CheckOutcome, reason: str) -> AuditVerdict:
    assert contract.job_id is not None
    checks = [
        AuditCheckResult(check="A-001", name="Scope compliance", outcome=CheckOutcome.PASS,
                         reason="all in scope"),
        AuditCheckResult(check="A-002", name="Health preservation", outcome=outcome,
                         reason=reason),
    ]  # fmt: skip
    return AuditVerdict(
        audit_id=uuid4(),
        job_id=contract.job_id,
        contract_id=contract.contract_id,
        verdict=outcome,
        reason=reason,
        checks=checks,
        counts={o.value: sum(c.outcome == o for c in checks) for o in CheckOutcome},
        evidence={"step_log": ["1 capability_enable COMPLETED"], "anomalies": []},
        health_before={SYSTEM_SCOPE: HealthStatus.HEALTHY},
        health_after={SYSTEM_SCOPE: HealthStatus.HEALTHY},
        auditor_version="1.0.0",
        duration_ms=12,
        audited_at=T0,
    )


def notes_of(records: list[dict[str, Any]], contract: ContractSnapshot, kind: str) -> list[Any]:
    return [
        r["data"]
        for r in records
        if r["data"]["contract_id"] == str(contract.contract_id) and r["data"]["kind"] == kind
    ]


def lifecycle_to(records: list[dict[str, Any]], contract: ContractSnapshot, to: str) -> list[Any]:
    return [
        r
        for r in records
        if r["data"]["contract"]["contract_id"] == str(contract.contract_id)
        and r["data"]["transition"]["to_status"] == to
    ]


def caused_by(record: dict[str, Any], cause: Envelope) -> bool:
    """The record names `cause` and carries the digest of its signed bytes (hash link)."""
    return bool(record["causation_id"] == str(cause.event_id)) and bool(
        record["input_digest"] == cause.signed_digest()
    )


# --- PASS, FAIL, read API, immutability -------------------------------------------------------


async def test_SM003_SM004_AUDIT004_pass_completes_and_verifies_fail_rolls_back_with_incident(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    async with running_service(mesh, keys_dir, clock) as svc:
        await svc.health("LOGS_LIST", HealthStatus.HEALTHY)
        await svc.health("SEARCH", HealthStatus.HEALTHY)
        passing = await svc.seed_active("LOGS_LIST")
        failing = await svc.seed_active("SEARCH")
        done = steps_of(passing, StepStatus.COMPLETED, StepStatus.COMPLETED)
        await svc.job_event(finished(passing, JobStatus.COMPLETED, done))
        await svc.job_event(
            finished(failing, JobStatus.COMPLETED, steps_of(failing, *[StepStatus.COMPLETED] * 2))
        )
        assert passing.job_id is not None and failing.job_id is not None
        await svc.audit(passing.job_id, jobs__0__status="COMPLETED")
        await svc.audit(failing.job_id, jobs__0__status="COMPLETED")
        good = audit_verdict(passing, CheckOutcome.PASS, "All checks passed")
        bad = audit_verdict(failing, CheckOutcome.FAIL, "Failed checks: A-002")
        good_env = await svc.verdict(good)
        bad_env = await svc.verdict(bad)

        # PASS → COMPLETED with the verdict on the snapshot, caused by the AuditVerdict.
        completed = await svc.status_of(passing.contract_id, "COMPLETED")
        assert (completed.audit_verdict.value, completed.audit_reason) == (
            "PASS",
            "All checks passed",
        )
        assert completed.audit_completed_at == T0
        lifecycle = await svc.messages(
            "contracts.lifecycle",
            until=lambda r: (
                bool(lifecycle_to(r, passing, "COMPLETED"))
                and bool(lifecycle_to(r, failing, "FAILED"))
            ),
        )
        (to_completed,) = lifecycle_to(lifecycle, passing, "COMPLETED")
        assert caused_by(to_completed, good_env)
        assert to_completed["data"]["contract"]["audit_verdict"] == "PASS"
        (to_failed,) = lifecycle_to(lifecycle, failing, "FAILED")
        assert caused_by(to_failed, bad_env)
        assert to_failed["data"]["contract"]["audit_verdict"] == "FAIL"

        # Rollout: DEPLOYED, still DEPLOYED after a check inside the bake, VERIFIED at its end.
        record = await svc.audit(passing.job_id, rollout__state="DEPLOYED")
        assert (record["state"], record["audit_id"]) == ("PASS", str(good.audit_id))
        assert record["rollout"]["baseline"] == {"LOGS_LIST": "HEALTHY", "SYSTEM": "HEALTHY"}
        await svc.tick(T0 + BAKE_CHECK + timedelta(seconds=1))
        await eventually(lambda: _bake_checks(svc, passing.contract_id, 1))
        assert (await svc.audit(passing.job_id))["rollout"]["state"] == "DEPLOYED"
        await svc.tick(T0 + BAKE + timedelta(seconds=1))
        verified = await svc.audit(passing.job_id, rollout__state="VERIFIED")
        assert [(h["from_state"], h["to_state"]) for h in verified["rollout"]["history"]] == [
            ("PENDING", "DEPLOYED"),
            ("DEPLOYED", "VERIFIED"),
        ]

        # FAIL → FAILED, the rollback job of the completed steps, incident, ROLLED_BACK → INCIDENT.
        failed = await svc.status_of(failing.contract_id, "FAILED")
        assert failed.audit_verdict.value == "FAIL"
        jobs = await svc.messages(
            "jobs.requested",
            until=lambda r: any(m["data"].get("kind") == "rollback" for m in r),
        )
        (rollback,) = [m for m in jobs if m["data"].get("kind") == "rollback"]
        assert rollback["data"]["job_id"] == str(rollback_job_id(failing.job_id))
        assert rollback["data"]["rolls_back_job_id"] == str(failing.job_id)
        assert [(s["type"], s["target"]) for s in rollback["data"]["steps"]] == [
            ("capability_disable", "SEARCH")
        ]
        assert caused_by(rollback, bad_env)
        (incident,) = await svc.incidents(failing.contract_id)
        assert (incident["kind"], incident["rule"]) == ("AUDIT_FAIL", "SM-004")
        assert incident["audit_id"] == str(bad.audit_id)
        assert incident["job_id"] == str(failing.job_id)
        assert incident["acknowledged_at"] is None
        record = await svc.audit(failing.job_id, rollout__state="INCIDENT")
        assert record["state"] == "FAIL"
        assert [(j["job_id"], j["status"], j["requested_by"]) for j in record["jobs"]] == [
            (str(failing.job_id), "COMPLETED", None),
            (str(rollback_job_id(failing.job_id)), "PENDING", "contracts"),
        ]
        notes = await svc.messages(
            "notifications", until=lambda r: bool(notes_of(r, failing, "INCIDENT"))
        )
        (note,) = notes_of(notes, failing, "INCIDENT")
        assert (note["audience"], note["rule"]) == ("founders", "SM-004")
        outcome = notes_of(notes, passing, "OUTCOME")
        assert outcome and outcome[0]["audience"] == "requester"

        # Read API: checks, evidence, errors.
        checks = (await svc.client.get(f"/api/v1/audits/{bad.audit_id}/checks")).json()
        assert [c["check"] for c in checks["checks"]] == ["A-001", "A-002"]
        assert checks["verdict"] == "FAIL" and checks["counts"]["FAIL"] == 1
        evidence = (await svc.client.get(f"/api/v1/audits/{bad.audit_id}/evidence")).json()
        assert evidence["evidence"] == bad.evidence
        assert evidence["health_after"] == {"SYSTEM": "HEALTHY"}
        assert evidence["auditor_version"] == "1.0.0"
        assert evidence["event_id"] == str(bad_env.event_id)
        missing = await svc.client.get(f"/api/v1/audits/{uuid4()}/checks")
        assert missing.status_code == 404
        assert missing.json()["error_code"] == "AUDIT_NOT_FOUND"
        assert set(missing.json()) == {"error_code", "field", "message"}
        assert (await svc.client.get(f"/api/v1/audits/{uuid4()}")).status_code == 404
        bad_id = await svc.client.get("/api/v1/audits/not-a-uuid/evidence")
        assert (bad_id.status_code, bad_id.json()["field"]) == (422, "audit_id")
        bad_kind = await svc.client.get("/api/v1/incidents", params={"kind": "NOPE"})
        assert (bad_kind.status_code, bad_kind.json()["error_code"]) == (422, "INVALID_FIELD")

        # AUDIT-004 in PostgreSQL: a stored verdict cannot be updated or deleted.
        for statement in (
            "UPDATE audits SET verdict = 'PASS' WHERE audit_id = :a",
            "DELETE FROM audits WHERE audit_id = :a",
        ):
            with pytest.raises(DBAPIError, match="AUDIT-004"):
                async with svc.db.begin() as conn:
                    await conn.execute(sa.text(statement), {"a": bad.audit_id})

        # A FAIL is acknowledged, never overridden.
        overturn = await svc.decide(
            failed, FounderAction.RESOLVE_AUDIT, audit_id=bad.audit_id, reason="looks fine to me"
        )
        ack = await svc.decide(
            failed, FounderAction.ACKNOWLEDGE_AUDIT, audit_id=bad.audit_id, reason="seen, on it"
        )
        acknowledged = await svc.audit(failing.job_id, state="ACKNOWLEDGED")
        assert acknowledged["review"]["decision_id"] == str(ack.decision_id)
        assert acknowledged["incidents"][0]["acknowledged_by"] == "alice"
        assert await _review(svc, overturn.decision_id) == ("REFUSED", "AUDIT-004")
        assert await _review(svc, ack.decision_id) == ("RECORDED", None)
        still = await svc.contract(failing.contract_id)
        assert (still.status.value, still.audit_verdict.value) == ("FAILED", "FAIL")


async def _bake_checks(svc: Service, contract_id: UUID, count: int) -> bool | None:
    async with svc.db.connect() as conn:
        checks = await conn.scalar(
            sa.text("SELECT checks FROM rollouts WHERE contract_id = :c"), {"c": contract_id}
        )
    return True if checks is not None and checks >= count else None


async def _review(svc: Service, decision_id: UUID) -> tuple[str, str | None]:
    async def check() -> tuple[str, str | None] | None:
        async with svc.db.connect() as conn:
            row = (
                await conn.execute(
                    sa.text("SELECT result, rule FROM review_events WHERE decision_id = :d"),
                    {"d": decision_id},
                )
            ).one_or_none()
        return None if row is None else (row.result, row.rule)

    return await eventually(check)


# --- job failure, rollback results, bake degradation ------------------------------------------


async def test_JOB003_JOB006_job_failure_rollback_tracked_rollback_failure_and_bake_escalate(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    async with running_service(mesh, keys_dir, clock) as svc:
        for scope in ("ALERTS", "EXPORT", "DASHBOARDS"):
            await svc.health(scope, HealthStatus.HEALTHY)
        undone = await svc.seed_active("ALERTS")
        stuck = await svc.seed_active("EXPORT")
        baking = await svc.seed_active("DASHBOARDS")
        assert undone.job_id and stuck.job_id and baking.job_id
        half = (StepStatus.COMPLETED, StepStatus.FAILED)
        failure = await svc.job_event(
            finished(undone, JobStatus.FAILED, steps_of(undone, *half), error="step 2 failed")
        )
        await svc.job_event(finished(stuck, JobStatus.FAILED, steps_of(stuck, *half)))
        await svc.job_event(
            finished(baking, JobStatus.COMPLETED, steps_of(baking, *[StepStatus.COMPLETED] * 2))
        )
        await svc.verdict(audit_verdict(baking, CheckOutcome.PASS, "All checks passed"))

        # Job FAILED → contract FAILED (caused by the job event), incident; rollback awaited.
        failed = await svc.status_of(undone.contract_id, "FAILED")
        assert failed.status_reason == f"job {undone.job_id} failed: step 2 failed"
        assert failed.audit_verdict.value == "PENDING"
        lifecycle = await svc.messages(
            "contracts.lifecycle", until=lambda r: bool(lifecycle_to(r, undone, "FAILED"))
        )
        assert caused_by(lifecycle_to(lifecycle, undone, "FAILED")[0], failure)
        (incident,) = await svc.incidents(undone.contract_id)
        assert (incident["kind"], incident["rule"]) == ("JOB_FAILED", "JOB-003")
        record = await svc.audit(undone.job_id, jobs__1__status="PENDING")
        assert record["state"] == "PENDING" and record["rollout"] is None

        # The executor's rollback: ROLLED_BACK is tracked; ROLLBACK_FAILED escalates.
        await svc.job_event(rollback_finished(undone, JobStatus.ROLLED_BACK))
        await svc.job_event(rollback_finished(stuck, JobStatus.ROLLBACK_FAILED))
        record = await svc.audit(undone.job_id, jobs__1__status="ROLLED_BACK")
        assert record["jobs"][1]["job_id"] == str(rollback_job_id(undone.job_id))
        assert record["jobs"][1]["requested_by"] == "executor"
        assert len(record["incidents"]) == 1
        await svc.status_of(stuck.contract_id, "FAILED")
        kinds = {i["kind"] for i in await svc.incidents(stuck.contract_id, count=2)}
        assert kinds == {"JOB_FAILED", "ROLLBACK_FAILED"}

        # Any incident is acknowledged once, by a founder, naming it; nothing else changes.
        by_kind = {i["kind"]: i for i in await svc.incidents(stuck.contract_id, count=2)}
        stuck_failed = await svc.contract(stuck.contract_id)
        rollback_failed = UUID(by_kind["ROLLBACK_FAILED"]["incident_id"])
        ack = await svc.decide(
            stuck_failed,
            FounderAction.ACKNOWLEDGE_INCIDENT,
            incident_id=rollback_failed,
            reason="restoring by hand",
        )
        assert await _review(svc, ack.decision_id) == ("RECORDED", None)
        again = await svc.decide(
            stuck_failed, FounderAction.ACKNOWLEDGE_INCIDENT, incident_id=rollback_failed
        )
        assert await _review(svc, again.decision_id) == ("REFUSED", "INCIDENT-ACKNOWLEDGED")
        foreign = await svc.decide(
            stuck_failed,
            FounderAction.ACKNOWLEDGE_INCIDENT,
            incident_id=UUID(incident["incident_id"]),  # the other contract's
        )
        assert await _review(svc, foreign.decision_id) == ("REFUSED", "INCIDENT-UNKNOWN")
        after = {i["kind"]: i for i in await svc.incidents(stuck.contract_id, count=2)}
        assert (
            after["ROLLBACK_FAILED"]["acknowledged_by"],
            after["ROLLBACK_FAILED"]["acknowledgement"],
        ) == ("alice", "restoring by hand")
        assert after["JOB_FAILED"]["acknowledged_at"] is None
        assert (await svc.incidents(undone.contract_id))[0]["acknowledged_at"] is None
        assert (await svc.contract(stuck.contract_id)).version == stuck_failed.version

        notes = await svc.messages(
            "notifications", until=lambda r: bool(notes_of(r, stuck, "ESCALATION"))
        )
        (escalation,) = notes_of(notes, stuck, "ESCALATION")
        assert (escalation["audience"], escalation["rule"]) == ("founders", "JOB-006")
        # The founder is answered for the decision itself: the contract's version did not
        # move, so no lifecycle event would show the acknowledgement (nor its refusals).
        notes = await svc.messages(
            "notifications", until=lambda r: len(notes_of(r, stuck, "DECISION_REFUSED")) >= 2
        )
        (answer,) = notes_of(notes, stuck, "DECISION_RECORDED")
        assert (answer["decision_id"], answer["audience"]) == (str(ack.decision_id), "alice")
        refused_ids = {n["decision_id"] for n in notes_of(notes, stuck, "DECISION_REFUSED")}
        assert refused_ids == {str(again.decision_id), str(foreign.decision_id)}

        # Degradation during the bake: ESCALATED with an incident and an escalation.
        await svc.audit(baking.job_id, rollout__state="DEPLOYED")
        clock.now = T0 + timedelta(seconds=5)
        await svc.health("DASHBOARDS", HealthStatus.DEGRADED)
        await svc.tick(T0 + BAKE_CHECK + timedelta(seconds=1))
        record = await svc.audit(baking.job_id, rollout__state="ESCALATED")
        assert "DASHBOARDS HEALTHY -> DEGRADED" in record["rollout"]["history"][-1]["reason"]
        (degraded,) = await svc.incidents(baking.contract_id)
        assert (degraded["kind"], degraded["audit_id"]) == ("BAKE_DEGRADED", record["audit_id"])
        notes = await svc.messages(
            "notifications", until=lambda r: bool(notes_of(r, baking, "ESCALATION"))
        )
        assert notes_of(notes, baking, "ESCALATION")[0]["rule"] == "ROLLOUT-BAKE"
        assert (await svc.contract(baking.contract_id)).status.value == "COMPLETED"


async def test_a_job_the_executor_refused_fails_its_contract_with_nothing_to_roll_back(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    refusal = "refused by the executor (SM-001): activation window has closed"
    async with running_service(mesh, keys_dir, clock) as svc:
        await svc.health("ALERTS", HealthStatus.HEALTHY)
        late = await svc.seed_active("ALERTS")
        assert late.job_id
        await svc.job_event(finished(late, JobStatus.FAILED, [], error=refusal))

        failed = await svc.status_of(late.contract_id, "FAILED")
        assert failed.status_reason == f"job {late.job_id} failed: {refusal}"
        (incident,) = await svc.incidents(late.contract_id)
        assert incident["kind"] == "JOB_FAILED"
        record = await svc.audit(late.job_id, jobs__0__status="FAILED")
        assert [job["job_id"] for job in record["jobs"]] == [str(late.job_id)]  # no rollback


# --- INCONCLUSIVE → escalated → resolved; audit timeout ----------------------------------------


async def test_AUDIT004_inconclusive_escalates_until_resolved_and_a_missing_audit_escalates(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    async with running_service(mesh, keys_dir, clock) as svc:
        unsure = await svc.seed_active("LOGS_LIST")
        late = await svc.seed_active("SEARCH")
        assert unsure.job_id and late.job_id
        all_done = [StepStatus.COMPLETED] * 2
        await svc.job_event(finished(unsure, JobStatus.COMPLETED, steps_of(unsure, *all_done)))
        await svc.job_event(finished(late, JobStatus.COMPLETED, steps_of(late, *all_done)))
        await svc.audit(unsure.job_id, jobs__0__status="COMPLETED")  # the timeout is armed
        inconclusive = audit_verdict(unsure, CheckOutcome.INCONCLUSIVE, "health unavailable")
        await svc.verdict(inconclusive)

        # INCONCLUSIVE: still ACTIVE, verdict on the snapshot, audit and rollout ESCALATED.
        record = await svc.audit(unsure.job_id, state="ESCALATED", rollout__state="ESCALATED")
        waiting = await svc.contract(unsure.contract_id)
        assert (waiting.status.value, waiting.audit_verdict.value) == ("ACTIVE", "INCONCLUSIVE")
        assert waiting.audit_reason == "health unavailable"
        notes = await svc.messages(
            "notifications", until=lambda r: bool(notes_of(r, unsure, "ESCALATION"))
        )
        assert notes_of(notes, unsure, "ESCALATION")[0]["rule"] == "AUDIT-INCONCLUSIVE"

        # Only a resolution with context is accepted; an acknowledgement is for a FAIL.
        bare = await svc.decide(
            waiting, FounderAction.RESOLVE_AUDIT, audit_id=inconclusive.audit_id
        )
        wrong = await svc.decide(
            waiting, FounderAction.ACKNOWLEDGE_AUDIT, audit_id=inconclusive.audit_id, reason="ok"
        )
        stranger = await svc.decide(
            waiting, FounderAction.RESOLVE_AUDIT, audit_id=uuid4(), reason="some context"
        )
        assert await _review(svc, bare.decision_id) == ("REFUSED", "AUDIT-CONTEXT")
        assert await _review(svc, wrong.decision_id) == ("REFUSED", "AUDIT-004")
        assert await _review(svc, stranger.decision_id) == ("REFUSED", "AUDIT-UNKNOWN")
        resolve = await svc.decide(
            waiting,
            FounderAction.RESOLVE_AUDIT,
            audit_id=inconclusive.audit_id,
            reason="health service was down; change unverifiable",
        )
        resolved = await svc.status_of(unsure.contract_id, "FAILED")
        assert resolved.audit_verdict.value == "INCONCLUSIVE"  # the verdict never changes
        assert resolved.status_reason is not None and "resolved by alice" in resolved.status_reason
        assert await _review(svc, resolve.decision_id) == ("APPLIED", None)
        record = await svc.audit(unsure.job_id, state="RESOLVED")
        assert record["review"]["context"] == "health service was down; change unverifiable"
        assert record["rollout"]["state"] == "ESCALATED"
        (incident,) = record["incidents"]
        assert (incident["kind"], incident["acknowledged_by"]) == ("AUDIT_UNRESOLVED", "alice")
        jobs = await svc.messages(
            "jobs.requested",
            until=lambda r: any(
                m["data"].get("rolls_back_job_id") == str(unsure.job_id) for m in r
            ),
        )
        (rollback,) = [m for m in jobs if m["data"].get("rolls_back_job_id") == str(unsure.job_id)]
        assert rollback["causation_id"] == str(resolve.decision_id)

        # No verdict within the audit timeout: escalation and incident, never an approval.
        await svc.tick(T0 + AUDIT_TIMEOUT + timedelta(seconds=1))
        (timeout,) = await svc.incidents(late.contract_id)
        assert (timeout["kind"], timeout["job_id"]) == ("AUDIT_TIMEOUT", str(late.job_id))
        notes = await svc.messages(
            "notifications", until=lambda r: bool(notes_of(r, late, "ESCALATION"))
        )
        assert notes_of(notes, late, "ESCALATION")[0]["rule"] == "AUDIT-TIMEOUT"
        assert (await svc.audit(late.job_id))["state"] == "ESCALATED"
        pending = await svc.contract(late.contract_id)
        assert (pending.status.value, pending.audit_verdict.value) == ("ACTIVE", "PENDING")
        # The verdict that arrives late still decides.
        await svc.verdict(audit_verdict(late, CheckOutcome.PASS, "All checks passed"))
        await svc.status_of(late.contract_id, "COMPLETED")
        async with svc.db.connect() as conn:
            states: dict[str, str] = dict(
                (
                    await conn.execute(
                        sa.text("SELECT kind, state FROM timers WHERE contract_id = :c"),
                        {"c": unsure.contract_id},
                    )
                ).all()
            )
        assert states["AUDIT_TIMEOUT"] == "CANCELLED"

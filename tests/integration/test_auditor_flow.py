"""The auditor on the real broker (SPEC §8): completed job in, one audit verdict out.

One auditor serves the whole module (one consumer-group join); every test uses its own
contract and job ids. Inputs are signed by their real producers: executor (jobs.events,
registry.state), contracts (contracts.lifecycle), health (health.signals).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from govmesh.auditor.app import build
from govmesh.auditor.domain.audit import AUDITOR_VERSION, derive_audit_id
from govmesh.auditor.entrypoints.jobs import verdict_event_id
from govmesh.auditor.settings import AuditorSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.signing import Signer
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import (
    ContractLifecycle,
    ContractStatus,
    Envelope,
    GovernanceSignal,
    HealthSignal,
    HealthStatus,
    JobEvent,
    JobEventKind,
    JobKind,
    JobStatus,
    Lifecycle,
    Principal,
    RegistryState,
    SignalType,
    Transition,
)
from govmesh.schemas.common import Message
from tests.infra import Broker, unique
from tests.integration.helpers import drain, produce_raw, values, wait_until
from tests.unit.auditor.factories import (
    INCIDENTS,
    LOGS,
    T0,
    finished_event,
    make_contract,
    registry_after,
)

pytestmark = pytest.mark.integration

AUDIT_LOG = "AUDIT_LOG"
BUDGET_S = 6.0
RETRY_DELAY_S = 1.0


@dataclass
class Auditor:
    settings: AuditorSettings
    app: FastAPI
    keys_dir: Path

    async def publish(
        self, principal: Principal, topic: str, key: str, message: Message
    ) -> Envelope:
        envelope = make_envelope(message, Signer.load(self.keys_dir, principal))
        await self.publish_bytes(topic, key, envelope.to_bytes())
        return envelope

    async def publish_bytes(self, topic: str, key: str, value: bytes) -> None:
        await produce_raw(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic(topic),
            [(key.encode(), value)],
        )

    async def activate(self, **overrides: Any) -> tuple[UUID, UUID]:
        """Publish an ACTIVE contract with its job, as contracts does; return both ids."""
        contract = make_contract(contract_id=uuid4(), job_id=uuid4(), **overrides)
        transition = Transition(
            from_status=ContractStatus.APPROVED,
            to_status=ContractStatus.ACTIVE,
            actor="contracts",
            reason="activation window opened",
            at=T0,
        )
        await self.publish(
            Principal.CONTRACTS,
            "contracts.lifecycle",
            str(contract.contract_id),
            ContractLifecycle(contract=contract, transition=transition),
        )
        assert contract.job_id is not None
        return contract.contract_id, contract.job_id

    async def finish(self, contract_id: UUID, job_id: UUID, **overrides: Any) -> Envelope:
        """Publish the job's STARTED and FINISHED events, as the executor does."""
        started = JobEvent(
            job_id=job_id,
            contract_id=contract_id,
            kind=JobKind.EXECUTION,
            event=JobEventKind.STARTED,
            status=JobStatus.RUNNING,
            at=T0 + timedelta(minutes=1),
        )
        await self.publish(Principal.EXECUTOR, "jobs.events", str(contract_id), started)
        event = finished_event(job_id=job_id, contract_id=contract_id, **overrides)
        return await self.publish(Principal.EXECUTOR, "jobs.events", str(contract_id), event)

    async def verdicts(self, contract_id: UUID, count: int = 1, timeout_s: float = 30) -> list[Any]:
        """The records on audits.verdicts for one contract, once there are `count` of them."""

        def mine(records: list[Any]) -> list[Any]:
            return [r for r in records if r.key == str(contract_id).encode()]

        records = await drain(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic("audits.verdicts"),
            until=lambda r: len(mine(r)) >= count,
            timeout_s=timeout_s,
        )
        return mine(records)


def _health(scope: str, now: datetime) -> HealthSignal:
    return HealthSignal(
        scope=scope,
        status=HealthStatus.HEALTHY,
        source="baseline",
        reason="no firing alert",
        observed_at=now,
        valid_until=now + timedelta(hours=1),
    )


@pytest.fixture(scope="module")
async def auditor(kafka: Broker, keys_dir: Path) -> AsyncIterator[Auditor]:
    prefix = unique("auditor") + "."
    await ensure_topics(kafka.bootstrap, prefix)
    settings = AuditorSettings(
        kafka_bootstrap=kafka.bootstrap,
        keys_dir=keys_dir,
        topic_prefix=prefix,
        dev_mode=True,
        audit_budget_s=BUDGET_S,
        audit_retry_delay_s=RETRY_DELAY_S,
    )
    runtime, app = build(settings)
    harness = Auditor(settings, app, keys_dir)
    now = datetime.now(UTC)
    # Fresh health for SYSTEM, LOGS_LIST and AUDIT_LOG only: INCIDENT_DETAIL's is unknown.
    for scope in ("SYSTEM", LOGS, AUDIT_LOG):
        await harness.publish(Principal.HEALTH, "health.signals", scope, _health(scope, now))
    record = RegistryState(
        name=LOGS, enabled=True, lifecycle=Lifecycle.LAUNCHED, revision=2, updated_at=now
    )
    await harness.publish(Principal.EXECUTOR, "registry.state", LOGS, record)
    await runtime.start()
    try:
        yield harness
    finally:
        await runtime.stop()


async def test_A001_to_A007_completed_job_with_active_contract_gives_pass(auditor: Auditor) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(auditor.app), base_url="http://auditor"
    ) as client:
        deadline = time.monotonic() + 30
        while (answer := await client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, answer.text
            await asyncio.sleep(0.05)
        # One view consumer reads the four topics; ready once all four are read.
        assert set(answer.json()["checks"]) == {"kafka", "views"}
    contract_id, job_id = await auditor.activate()
    cause = await auditor.finish(contract_id, job_id)
    [record] = await auditor.verdicts(contract_id)
    envelope = json.loads(record.value)
    verdict = envelope["data"]
    assert envelope["producer"] == "auditor"
    assert envelope["type"] == "AuditVerdict"
    assert envelope["event_id"] == str(verdict_event_id(job_id, 1))
    assert envelope["causation_id"] == str(cause.event_id)
    assert (verdict["verdict"], verdict["reason"]) == ("PASS", "All checks passed")
    assert [c["check"] for c in verdict["checks"]] == [f"A-00{n}" for n in range(1, 8)]
    assert all(c["outcome"] == "PASS" and c["reason"] for c in verdict["checks"])
    assert verdict["counts"] == {"PASS": 7, "FAIL": 0, "INCONCLUSIVE": 0}
    assert verdict["audit_id"] == str(derive_audit_id(job_id, 1))
    assert (verdict["job_id"], verdict["contract_id"]) == (str(job_id), str(contract_id))
    assert verdict["auditor_version"] == AUDITOR_VERSION
    assert verdict["attempt"] == 1
    assert (
        verdict["health_before"]
        == verdict["health_after"]
        == {
            "SYSTEM": "HEALTHY",
            LOGS: "HEALTHY",
        }
    )
    assert verdict["evidence"]["health_timeline"]["at_audit"] == {
        "SYSTEM": "HEALTHY",
        LOGS: "HEALTHY",
    }
    assert verdict["evidence"]["registry_at_audit"][LOGS]["revision"] == 2
    assert len(verdict["evidence"]["step_log"]) == 3
    assert verdict["duration_ms"] >= 0


async def test_SM002_job_event_before_its_contract_waits_for_the_contract_view(
    auditor: Auditor,
) -> None:
    contract_id, job_id = uuid4(), uuid4()
    await auditor.finish(contract_id, job_id)
    assert await auditor.verdicts(contract_id, timeout_s=1.5) == []
    contract = make_contract(contract_id=contract_id, job_id=job_id)
    transition = Transition(
        from_status=ContractStatus.APPROVED,
        to_status=ContractStatus.ACTIVE,
        actor="contracts",
        reason="activation window opened",
        at=T0,
    )
    await auditor.publish(
        Principal.CONTRACTS,
        "contracts.lifecycle",
        str(contract_id),
        ContractLifecycle(contract=contract, transition=transition),
    )
    [record] = await auditor.verdicts(contract_id)
    assert json.loads(record.value)["data"]["verdict"] == "PASS"


async def test_A007_unauthorized_registry_change_in_registry_after_gives_fail(
    auditor: Auditor,
) -> None:
    contract_id, job_id = await auditor.activate()
    after = registry_after()
    after[INCIDENTS]["qualifier"] = "everyone"
    await auditor.finish(contract_id, job_id, registry_after=after)
    [record] = await auditor.verdicts(contract_id)
    verdict = json.loads(record.value)["data"]
    assert (verdict["verdict"], verdict["reason"]) == ("FAIL", "Failed checks: A-007")
    a007 = next(c for c in verdict["checks"] if c["check"] == "A-007")
    assert a007["outcome"] == "FAIL"
    assert "INCIDENT_DETAIL.qualifier" in a007["reason"]
    assert verdict["counts"] == {"PASS": 6, "FAIL": 1, "INCONCLUSIVE": 0}
    assert verdict["attempt"] == 1


def _consumed(topic: str) -> float:
    value = REGISTRY.get_sample_value(
        "govmesh_messages_consumed_total", {"consumer": "auditor", "topic": topic}
    )
    return value or 0.0


async def test_A006_conflicting_governance_signals_for_the_scope_give_fail(
    auditor: Auditor,
) -> None:
    seen = _consumed("governance.signals")
    now = datetime.now(UTC)
    for signal_type in (SignalType.BLOCKED, SignalType.PRE_APPROVAL):
        signal = GovernanceSignal(
            scope=AUDIT_LOG,
            signal_type=signal_type,
            active=True,
            issued_by="founder@console",
            reason="test",
            issued_at=now,
        )
        key = f"{AUDIT_LOG}:{signal_type.value}"
        await auditor.publish(Principal.CONSOLE, "governance.signals", key, signal)
    # The signals view is fed by its own consumer: let it take both before the job lands.
    await wait_until(lambda: _consumed("governance.signals") >= seen + 2)
    contract_id, job_id = await auditor.activate(affected_capabilities=[LOGS, AUDIT_LOG])
    await auditor.finish(contract_id, job_id)
    [record] = await auditor.verdicts(contract_id)
    verdict = json.loads(record.value)["data"]
    assert (verdict["verdict"], verdict["reason"]) == ("FAIL", "Failed checks: A-006")
    a006 = next(c for c in verdict["checks"] if c["check"] == "A-006")
    assert "AUDIT_LOG is both BLOCKED and PRE_APPROVAL" in a006["reason"]
    assert len(verdict["evidence"]["signal_history"]) == 2


async def test_A002_no_fresh_health_gives_inconclusive_after_one_retry(auditor: Auditor) -> None:
    # The contract also covers INCIDENT_DETAIL, for which health.signals has nothing.
    contract_id, job_id = await auditor.activate(affected_capabilities=[LOGS, INCIDENTS])
    await auditor.finish(contract_id, job_id)
    [record] = await auditor.verdicts(contract_id)
    envelope = json.loads(record.value)
    verdict = envelope["data"]
    assert (verdict["verdict"], verdict["reason"]) == (
        "INCONCLUSIVE",
        "Inconclusive checks: A-002",
    )
    a002 = next(c for c in verdict["checks"] if c["check"] == "A-002")
    assert a002["outcome"] == "INCONCLUSIVE"
    assert verdict["attempt"] == 2
    assert verdict["audit_id"] == str(derive_audit_id(job_id, 2))
    assert envelope["event_id"] == str(verdict_event_id(job_id, 2))
    assert verdict["evidence"]["health_timeline"]["at_audit"][INCIDENTS] == "UNKNOWN"
    assert verdict["duration_ms"] >= RETRY_DELAY_S * 1000
    # Attempt 1 was retried, not published: this contract has exactly one verdict.
    assert len(await auditor.verdicts(contract_id, count=2, timeout_s=1.5)) == 1


async def test_replayed_job_event_gives_the_identical_verdict(auditor: Auditor) -> None:
    contract_id, job_id = await auditor.activate()
    cause = await auditor.finish(contract_id, job_id)
    await auditor.verdicts(contract_id)
    await auditor.publish_bytes("jobs.events", str(contract_id), cause.to_bytes())
    first, replay = values(await auditor.verdicts(contract_id, count=2))
    assert first["event_id"] == replay["event_id"] == str(verdict_event_id(job_id, 1))
    # Only the measured duration may differ; audited_at is the job event's own time.
    first["data"].pop("duration_ms")
    replay["data"].pop("duration_ms")
    assert json.dumps(first["data"], sort_keys=True) == json.dumps(replay["data"], sort_keys=True)
    assert first["data"]["audited_at"] == cause.data["at"]


async def test_audit_without_its_contract_times_out_inconclusive_never_pass(
    auditor: Auditor,
) -> None:
    contract_id, job_id = uuid4(), uuid4()
    await auditor.finish(contract_id, job_id)
    [record] = await auditor.verdicts(contract_id, timeout_s=BUDGET_S + 20)
    verdict = json.loads(record.value)["data"]
    assert (verdict["verdict"], verdict["reason"]) == ("INCONCLUSIVE", "audit timed out")
    assert verdict["counts"] == {"PASS": 0, "FAIL": 0, "INCONCLUSIVE": 7}
    assert verdict["duration_ms"] >= BUDGET_S * 1000

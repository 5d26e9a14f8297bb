"""The contract authority running on the real broker and PostgreSQL (SPEC §5, §6).

Steps 4–6: assessed proposals become contracts (ELIGIBLE / REJECTED, E-006 claims,
VAL-005 notices), every founder action and guard arrives through `founder.decisions`
(refusals recorded and answered), and durable timers move contracts on an injected
clock: days pass in milliseconds. The read API shows the result.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.contracts.app import ContractsRuntime, build, migrate
from govmesh.contracts.domain import contract_id_for, execution_job_id, revision_contract_id
from govmesh.contracts.settings import ContractsSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import create_engine
from govmesh.mesh.signing import Signer
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractSnapshot,
    EligibilityDecision,
    FounderAction,
    FounderDecision,
    GovernanceSignal,
    HealthSignal,
    HealthStatus,
    IssueType,
    Principal,
    ProposalAssessed,
    RecommendedAction,
    Severity,
    SignalType,
)
from govmesh.schemas.common import Message
from tests.infra import unique
from tests.integration.helpers import drain, produce_raw, values
from tests.unit.contracts.factories import (
    T0,
    assessed,
    config_update,
    eligibility_verdict,
    enable,
    validator_verdict,
)

pytestmark = pytest.mark.integration

T = TypeVar("T")


class Clock:
    """The injectable clock: tests move time instead of waiting for it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Service:
    settings: ContractsSettings
    runtime: ContractsRuntime
    client: httpx.AsyncClient
    db: AsyncEngine
    clock: Clock
    keys_dir: Path

    async def publish(
        self, topic: str, key: str, message: Message, principal: Principal, event_id: UUID
    ) -> None:
        signer = Signer.load(self.keys_dir, principal)
        envelope = make_envelope(message, signer, event_id=event_id)
        await produce_raw(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic(topic),
            [(key.encode(), envelope.to_bytes())],
        )

    async def assess(self, *proposals: ProposalAssessed) -> None:
        signer = Signer.load(self.keys_dir, Principal.ELIGIBILITY)
        await produce_raw(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic("proposals.assessed"),
            [(str(p.issue_id).encode(), make_envelope(p, signer).to_bytes()) for p in proposals],
        )

    async def decide(
        self, contract_id: UUID, action: FounderAction, founder: str = "alice", **fields: Any
    ) -> FounderDecision:
        decision = FounderDecision(
            decision_id=uuid4(),
            contract_id=contract_id,
            action=action,
            founder=founder,
            session_id=f"session-{founder}",
            decided_at=self.clock(),
            **fields,
        )
        await self.publish(
            "founder.decisions",
            str(contract_id),
            decision,
            Principal.CONSOLE,
            decision.decision_id,
        )
        return decision

    async def health(self, status: HealthStatus, valid_for: timedelta) -> HealthSignal:
        signal = HealthSignal(
            scope=SYSTEM_SCOPE,
            status=status,
            source="baseline" if status == HealthStatus.HEALTHY else "override:test-ops",
            reason=f"test says {status.value}",
            observed_at=self.clock(),
            valid_until=self.clock() + valid_for,
        )
        await self.publish("health.signals", SYSTEM_SCOPE, signal, Principal.HEALTH, uuid4())
        return signal

    async def freeze(self, capability: str, *, active: bool) -> None:
        self.clock.now += timedelta(seconds=1)
        signal = GovernanceSignal(
            scope=capability,
            signal_type=SignalType.FROZEN,
            active=active,
            issued_by="founder:alice",
            reason="change freeze for the quarter close" if active else "freeze lifted",
            issued_at=self.clock(),
        )
        await self.publish(
            "governance.signals", f"{capability}+FROZEN", signal, Principal.CONSOLE, uuid4()
        )

    async def contract(self, contract_id: UUID) -> ContractSnapshot | None:
        answer = await self.client.get(f"/api/v1/contracts/{contract_id}")
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return ContractSnapshot.model_validate(answer.json())

    async def current(self, contract_id: UUID) -> ContractSnapshot:
        found = await self.contract(contract_id)
        assert found is not None, contract_id
        return found

    async def status_of(self, contract_id: UUID, status: str, timeout_s: float = 30.0) -> Any:
        async def check() -> ContractSnapshot | None:
            found = await self.contract(contract_id)
            return found if found is not None and found.status.value == status else None

        return await eventually(check, timeout_s)

    async def review(self, decision_id: UUID, timeout_s: float = 30.0) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            async with self.db.connect() as conn:
                row = (
                    await conn.execute(
                        sa.text("SELECT * FROM review_events WHERE decision_id = :d"),
                        {"d": decision_id},
                    )
                ).one_or_none()
            return None if row is None else dict(row._mapping)

        return await eventually(check, timeout_s)

    async def messages(
        self, topic: str, until: Callable[[list[dict[str, Any]]], bool], timeout_s: float = 30.0
    ) -> list[dict[str, Any]]:
        records = await drain(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic(topic),
            until=lambda r: until(values(r)),
            timeout_s=timeout_s,
        )
        return values(records)

    async def tick(self, to: datetime) -> None:
        """Move the clock and let the timer loop run at once."""
        self.clock.now = to
        self.runtime.timers.wake()


async def eventually(check: Callable[[], Awaitable[T | None]], timeout_s: float = 30.0) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        found = await check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def data_of(records: list[dict[str, Any]], **match: Any) -> list[dict[str, Any]]:
    """The `data` of records whose data fields equal `match` (values compared as strings)."""
    return [
        r["data"] for r in records if all(str(r["data"].get(k)) == str(v) for k, v in match.items())
    ]


@asynccontextmanager
async def running_service(
    mesh: Any, keys_dir: Path, clock: Clock, **overrides: Any
) -> AsyncIterator[Service]:
    """Migrate a fresh schema, publish a HEALTHY system signal, start the service."""
    base = mesh(Principal.CONTRACTS).model_dump()
    base.update(db_schema=unique("contracts_"), timer_interval_s=0.05, **overrides)
    settings = ContractsSettings.model_validate(base)
    await asyncio.to_thread(migrate, settings)
    runtime, app = build(settings, clock=clock)
    db = create_engine(settings.require_database(), settings.db_schema)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://contracts")
    service = Service(settings, runtime, client, db, clock, keys_dir)
    await service.health(HealthStatus.HEALTHY, timedelta(days=60))
    await runtime.start()
    try:
        yield service
    finally:
        await client.aclose()
        await runtime.stop()
        await db.dispose()


# --- step 4: contracts from assessed proposals --------------------------------------------


def may(capability: str, **verdict: Any) -> ProposalAssessed:
    return assessed(
        verdict=validator_verdict(
            affected_capabilities=[capability],
            proposed_changes=[enable(capability)],
            **verdict,
        )
    )


def may_not(capability: str, rule: str, reason: str, **verdict: Any) -> ProposalAssessed:
    return assessed(
        verdict=validator_verdict(
            affected_capabilities=[capability], proposed_changes=[enable(capability)], **verdict
        ),
        eligibility=eligibility_verdict(
            EligibilityDecision.MAY_NOT, first_failing_rule=rule, reason=reason
        ),
    )


async def test_assessments_become_ELIGIBLE_or_REJECTED_visible_in_the_read_API_E006_claims(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    eligible = may("LOGS_LIST")
    rejected = may_not("LOGS_LIST", "E-001", "Validator confidence too low")
    twins = [may("SEARCH"), may("SEARCH")]
    escalation = may_not(
        "BILLING",
        "E-101",
        "Critical issues must be escalated",
        severity=Severity.CRITICAL,
        issue_type=IssueType.ESCALATION,
        recommended_action=RecommendedAction.ESCALATE,
    )
    async with running_service(mesh, keys_dir, clock) as svc:
        await svc.assess(eligible, rejected, *twins, escalation)
        ids = {p.issue_id: contract_id_for(p.issue_id) for p in (eligible, rejected, *twins)}

        ok = await svc.status_of(ids[eligible.issue_id], "ELIGIBLE")
        assert ok.expires_at == T0 + timedelta(days=7)
        no = await svc.status_of(ids[rejected.issue_id], "REJECTED")
        assert no.status_reason == "E-001: Validator confidence too low"
        await svc.status_of(contract_id_for(escalation.issue_id), "REJECTED")

        # E-006: two eligible proposals for SEARCH at once -> one ELIGIBLE, one REJECTED.
        first, second = (ids[p.issue_id] for p in twins)
        found: dict[UUID, ContractSnapshot] = {}
        for contract_id in (first, second):
            found[contract_id] = await eventually(partial(svc.contract, contract_id))
        statuses = sorted(c.status.value for c in found.values())
        assert statuses == ["ELIGIBLE", "REJECTED"]
        winner = next(c for c in found.values() if c.status.value == "ELIGIBLE")
        loser = next(c for c in found.values() if c.status.value == "REJECTED")
        assert loser.status_reason == (
            f"E-006: Similar contract already pending: {winner.contract_id}"
        )

        history = (await svc.client.get(f"/api/v1/contracts/{ok.contract_id}/history")).json()
        assert [(h["from_status"], h["to_status"], h["actor"]) for h in history["history"]] == [
            (None, "DRAFT", "contracts"),
            ("DRAFT", "VALIDATED", "validator"),
            ("VALIDATED", "ELIGIBLE", "eligibility"),
        ]
        listed = (
            await svc.client.get(
                "/api/v1/contracts", params={"status": "ELIGIBLE", "capability": "logs_list"}
            )
        ).json()
        assert [c["contract_id"] for c in listed["contracts"]] == [str(ok.contract_id)]
        listed = (await svc.client.get("/api/v1/contracts", params={"status": "REJECTED"})).json()
        assert str(no.contract_id) in {c["contract_id"] for c in listed["contracts"]}

        bad = await svc.client.get("/api/v1/contracts", params={"status": "DONE"})
        assert bad.status_code == 422
        assert bad.json()["error_code"] == "INVALID_FIELD" and bad.json()["field"] == "status"
        missing = await svc.client.get(f"/api/v1/contracts/{uuid4()}/history")
        assert missing.status_code == 404
        assert set(missing.json()) == {"error_code", "field", "message"}

        lifecycle = await svc.messages(
            "contracts.lifecycle",
            until=lambda r: (
                sum(1 for m in r if m["data"]["contract"]["contract_id"] == str(ok.contract_id))
                >= 3
            ),
        )
        mine = [m for m in lifecycle if m["data"]["contract"]["contract_id"] == str(ok.contract_id)]
        assert [m["data"]["transition"]["to_status"] for m in mine] == [
            "DRAFT",
            "VALIDATED",
            "ELIGIBLE",
        ]
        assert all(m["producer"] == "contracts" for m in mine)
        notes = await svc.messages(
            "notifications", until=lambda r: bool(data_of(r, kind="ESCALATION"))
        )
        note = data_of(notes, kind="ESCALATION")[0]
        assert note["contract_id"] == str(contract_id_for(escalation.issue_id))
        assert (note["audience"], note["rule"]) == ("founders", "VAL-005")


# --- step 5: founder decisions through founder.decisions ----------------------------------


async def test_SPEC12_review_backlog_gauges_count_undecided_and_age_the_oldest_review(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    first, second = may("LOGS_LIST"), may("SEARCH")
    rejected = may_not("BILLING", "E-001", "Validator confidence too low")
    async with running_service(mesh, keys_dir, clock, backlog_interval_s=3600) as svc:
        await svc.assess(first)
        await svc.status_of(contract_id_for(first.issue_id), "ELIGIBLE")
        clock.now = T0 + timedelta(days=1)
        await svc.assess(second, rejected)
        await svc.status_of(contract_id_for(second.issue_id), "ELIGIBLE")
        await svc.status_of(contract_id_for(rejected.issue_id), "REJECTED")

        clock.now = T0 + timedelta(days=4)
        await svc.runtime.backlog.refresh()
        # Two await review (the rejected one was decided); the first has waited 4 days,
        # past the 3-day alert threshold.
        assert REGISTRY.get_sample_value("govmesh_contracts_pending") == 2
        assert REGISTRY.get_sample_value(
            "govmesh_contracts_awaiting_review_oldest_seconds"
        ) == pytest.approx(timedelta(days=4).total_seconds())


async def refused_with(svc: Service, decision: FounderDecision, rule: str) -> None:
    """The decision is recorded REFUSED with `rule` and answered to its founder."""
    record = await svc.review(decision.decision_id)
    assert (record["result"], record["rule"]) == ("REFUSED", rule), record
    notes = await svc.messages(
        "notifications",
        until=lambda r: bool(data_of(r, kind="DECISION_REFUSED", rule=rule)),
    )
    answer = [
        n
        for n in data_of(notes, kind="DECISION_REFUSED", rule=rule)
        if n["contract_id"] == str(decision.contract_id)
    ]
    assert answer and answer[0]["audience"] == decision.founder


async def test_REVIEW001_006_every_founder_action_and_guard_through_the_broker(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    proposals = {
        name: may(capability, severity=severity)
        for name, capability, severity in [
            ("approve", "LOGS_LIST", Severity.MEDIUM),
            ("reject", "SEARCH", Severity.MEDIUM),
            ("two", "EXPORT", Severity.HIGH),
            ("clarify", "ALERTS", Severity.MEDIUM),
            ("modify", "DASHBOARDS", Severity.MEDIUM),
        ]
    }
    founders = {"t-alice": "alice", "t-bob": "bob"}
    async with running_service(
        mesh, keys_dir, clock, founder_tokens=founders, required_approvals={"high": 2}
    ) as svc:
        await svc.assess(*proposals.values())
        c = {name: contract_id_for(p.issue_id) for name, p in proposals.items()}
        for contract_id in c.values():
            await svc.status_of(contract_id, "ELIGIBLE")
        A = FounderAction

        # Authority, unknown contracts, health (E-104).
        stranger = await svc.decide(c["approve"], A.APPROVE, founder="mallory")
        await refused_with(svc, stranger, "REVIEW-AUTHORITY")
        ghost = await svc.decide(uuid4(), A.APPROVE)
        await refused_with(svc, ghost, "REVIEW-UNKNOWN-CONTRACT")
        await svc.health(HealthStatus.DEGRADED, timedelta(days=60))
        await eventually(
            lambda: _async(svc.runtime.health.system(clock()) == HealthStatus.DEGRADED or None)
        )
        unhealthy = await svc.decide(c["approve"], A.APPROVE)
        await refused_with(svc, unhealthy, "E-104")
        await svc.health(HealthStatus.HEALTHY, timedelta(days=60))
        await eventually(
            lambda: _async(svc.runtime.health.system(clock()) == HealthStatus.HEALTHY or None)
        )

        # A capability frozen after eligibility cannot be approved (ELIG-005, REVIEW-003).
        await svc.freeze("LOGS_LIST", active=True)
        await eventually(lambda: _async("LOGS_LIST" in svc.runtime.freezes.frozen(clock()) or None))
        frozen = await svc.decide(c["approve"], A.APPROVE)
        await refused_with(svc, frozen, "ELIG-005")
        await svc.freeze("LOGS_LIST", active=False)
        await eventually(lambda: _async(not svc.runtime.freezes.frozen(clock()) or None))

        # APPROVE with the default window: APPROVED, then ACTIVE at once with one job.
        clock.now = T0 + timedelta(hours=1)
        approve = await svc.decide(c["approve"], A.APPROVE)
        active = await svc.status_of(c["approve"], "ACTIVE", timeout_s=10)
        assert active.approved_by == ["alice"] and active.approved_at == clock.now
        assert active.activation_window_start == clock.now
        assert active.activation_window_end == clock.now + timedelta(hours=24)
        assert active.job_id == execution_job_id(c["approve"])
        assert (await svc.review(approve.decision_id))["result"] == "APPLIED"
        # The window was open: activated in the approving transaction, no timer planned.
        async with svc.db.connect() as conn:
            moves = (
                await conn.execute(
                    sa.text(
                        "SELECT from_status, to_status, causation_id FROM contract_transitions"
                        " WHERE contract_id = :c ORDER BY version"
                    ),
                    {"c": c["approve"]},
                )
            ).all()
            planned = (
                await conn.execute(
                    sa.text("SELECT kind, state FROM timers WHERE contract_id = :c"),
                    {"c": c["approve"]},
                )
            ).all()
        assert [(m.from_status, m.to_status) for m in moves[-2:]] == [
            ("ELIGIBLE", "APPROVED"),
            ("APPROVED", "ACTIVE"),
        ]
        assert moves[-1].causation_id is not None
        assert moves[-1].causation_id == moves[-2].causation_id, "both caused by the decision"
        assert "ACTIVATION" not in {kind for kind, _ in planned}
        assert {state for _, state in planned} <= {"CANCELLED"}, planned
        again = await svc.decide(c["approve"], A.APPROVE, founder="bob")
        await refused_with(svc, again, "REVIEW-001")

        # CANCEL_JOB: JobCancelRequested for the active contract's job; refused otherwise.
        cancel = await svc.decide(c["approve"], A.CANCEL_JOB, job_id=active.job_id)
        wrong = await svc.decide(c["reject"], A.CANCEL_JOB, job_id=uuid4())
        await refused_with(svc, wrong, "JOB-CANCEL")
        jobs = await svc.messages(
            "jobs.requested", until=lambda r: bool(data_of(r, requested_by="alice"))
        )
        assert data_of(jobs, requested_by="alice")[0]["job_id"] == str(active.job_id)
        assert (await svc.review(cancel.decision_id))["result"] == "RECORDED"

        # REJECT: the reason must be longer than 10 characters (REVIEW-002).
        short = await svc.decide(c["reject"], A.REJECT, reason="no thanks")
        await refused_with(svc, short, "REVIEW-002")
        await svc.decide(c["reject"], A.REJECT, reason="Not on this quarter's roadmap")
        rejected = await svc.status_of(c["reject"], "REJECTED")
        assert rejected.status_reason == "Not on this quarter's roadmap"
        notes = await svc.messages(
            "notifications", until=lambda r: bool(data_of(r, kind="OUTCOME"))
        )
        assert data_of(notes, kind="OUTCOME")[0]["audience"] == "requester"

        # Two distinct founders for a high-risk contract; a founder never counts twice.
        first = await svc.decide(c["two"], A.APPROVE)
        assert (await svc.review(first.decision_id))["result"] == "RECORDED"
        twice = await svc.decide(c["two"], A.APPROVE)
        await refused_with(svc, twice, "REVIEW-DUPLICATE-FOUNDER")
        assert (await svc.current(c["two"])).status.value == "ELIGIBLE"
        await svc.decide(c["two"], A.APPROVE, founder="bob")
        both = await svc.status_of(c["two"], "ACTIVE", timeout_s=10)
        assert both.approved_by == ["alice", "bob"]

        # Clarification: stays ELIGIBLE, approval waits for the answer, then goes through.
        await svc.decide(c["clarify"], A.REQUEST_CLARIFICATION, request="Which project?")
        notes = await svc.messages(
            "notifications", until=lambda r: bool(data_of(r, kind="CLARIFICATION_REQUESTED"))
        )
        assert data_of(notes, kind="CLARIFICATION_REQUESTED")[0]["audience"] == "requester"
        early = await svc.decide(c["clarify"], A.APPROVE)
        await refused_with(svc, early, "REVIEW-CLARIFICATION-PENDING")
        answer = await svc.decide(c["clarify"], A.PROVIDE_CLARIFICATION, reason="acme-prod")
        assert (await svc.review(answer.decision_id))["result"] == "RECORDED"
        await svc.decide(c["clarify"], A.APPROVE)
        await svc.status_of(c["clarify"], "ACTIVE", timeout_s=10)

        # MODIFY_SCOPE: SUPERSEDED, a new DRAFT with the parent link, IssueRevised sent;
        # the revision's own assessment takes it to ELIGIBLE.
        changes = [config_update(scope="DASHBOARDS", key="refresh_s", old=60, new=30)]
        modify = await svc.decide(c["modify"], A.MODIFY_SCOPE, proposed_changes=changes)
        await svc.status_of(c["modify"], "SUPERSEDED")
        new_id = revision_contract_id(c["modify"], modify.decision_id)
        draft = await svc.status_of(new_id, "DRAFT")
        assert draft.parent_contract_id == c["modify"] and draft.proposed_changes == changes
        revised = await svc.messages(
            "issues.revised", until=lambda r: bool(data_of(r, contract_id=new_id))
        )
        sent = data_of(revised, contract_id=new_id)[0]
        assert sent["parent_contract_id"] == str(c["modify"])
        assert sent["issue_id"] == str(proposals["modify"].issue_id)
        revision = assessed(
            verdict=validator_verdict(
                affected_capabilities=["DASHBOARDS"], proposed_changes=changes
            ),
            contract_id=new_id,
            parent_contract_id=c["modify"],
        ).model_copy(update={"issue_id": proposals["modify"].issue_id})
        await svc.assess(revision)
        fresh = await svc.status_of(new_id, "ELIGIBLE")
        assert fresh.validator_verdict == revision.verdict
        history = (await svc.client.get(f"/api/v1/contracts/{new_id}/history")).json()
        assert [h["to_status"] for h in history["history"]] == ["DRAFT", "VALIDATED", "ELIGIBLE"]

        # Exactly one JobRequested per activated contract, whatever was redelivered.
        jobs = await svc.messages(
            "jobs.requested",
            until=lambda r: len([m for m in r if m["type"] == "JobRequested"]) >= 3,
        )
        requested = [m["data"] for m in jobs if m["type"] == "JobRequested"]
        assert sorted(j["contract_id"] for j in requested) == sorted(
            str(c[n]) for n in ("approve", "two", "clarify")
        )


async def _async(value: T | None) -> T | None:
    return value


# --- timers: REVIEW-006 and activation windows on the injected clock ----------------------


async def test_REVIEW006_warning_escalation_expiry_pause_and_activation_windows(
    mesh: Any, keys_dir: Path
) -> None:
    clock = Clock(T0)
    hour, day = timedelta(hours=1), timedelta(days=1)
    proposals = {
        name: may(capability)
        for name, capability in [
            ("idle", "LOGS_LIST"),
            ("paused", "SEARCH"),
            ("window", "EXPORT"),
            ("late", "ALERTS"),
        ]
    }
    async with running_service(mesh, keys_dir, clock) as svc:
        await svc.assess(*proposals.values())
        c = {name: contract_id_for(p.issue_id) for name, p in proposals.items()}
        for contract_id in c.values():
            await svc.status_of(contract_id, "ELIGIBLE")
        A = FounderAction

        # Approved for a window that opens later: APPROVED until then, ACTIVE at its start.
        clock.now = T0 + hour
        await svc.decide(
            c["window"],
            A.APPROVE,
            activation_window_start=T0 + 2 * hour,
            activation_window_end=T0 + day,
        )
        await svc.decide(
            c["late"],
            A.APPROVE,
            activation_window_start=T0 + 3 * hour,
            activation_window_end=T0 + 4 * hour,
        )
        await svc.status_of(c["window"], "APPROVED")
        await svc.status_of(c["late"], "APPROVED")
        await svc.tick(T0 + 2 * hour)
        active = await svc.status_of(c["window"], "ACTIVE")
        assert active.updated_at == T0 + 2 * hour
        # A window that opened and closed between two passes: FAILED, never activated.
        await svc.tick(T0 + 5 * hour)
        failed = await svc.status_of(c["late"], "FAILED")
        assert (
            failed.status_reason is not None and "activation window closed" in failed.status_reason
        )

        # A clarification pauses the TTL of "paused" (asked on day 1).
        clock.now = T0 + day
        ask = await svc.decide(c["paused"], A.REQUEST_CLARIFICATION, request="Which tenant?")
        assert (await svc.review(ask.decision_id))["result"] == "RECORDED"

        # Day 5: warning; day 6: escalation — to founders, only for the running clock.
        await svc.tick(T0 + 5 * day + timedelta(minutes=1))
        notes = await svc.messages(
            "notifications", until=lambda r: bool(data_of(r, kind="REVIEW_WARNING"))
        )
        await svc.tick(T0 + 6 * day + timedelta(minutes=1))
        notes = await svc.messages(
            "notifications", until=lambda r: bool(data_of(r, kind="REVIEW_ESCALATION"))
        )
        for kind in ("REVIEW_WARNING", "REVIEW_ESCALATION"):
            sent = data_of(notes, kind=kind)
            assert [n["contract_id"] for n in sent] == [str(c["idle"])]
            assert (sent[0]["audience"], sent[0]["rule"]) == ("founders", "REVIEW-006")

        # Day 7: "idle" expires; "paused" does not (its clock stands still).
        await svc.tick(T0 + 7 * day + timedelta(minutes=1))
        expired = await svc.status_of(c["idle"], "EXPIRED")
        assert expired.status_reason == "review TTL passed without a decision (REVIEW-006)"
        late = await svc.decide(c["idle"], A.APPROVE)
        await refused_with(svc, late, "REVIEW-001")
        assert (await svc.current(c["paused"])).status.value == "ELIGIBLE"

        # The answer resumes the clock where it stopped (not reset): 6 days were left.
        clock.now = T0 + 7 * day + hour
        await svc.decide(c["paused"], A.PROVIDE_CLARIFICATION, reason="tenant acme")

        async def resumed() -> ContractSnapshot | None:
            found = await svc.contract(c["paused"])
            return found if found and found.clarification_requested_at is None else None

        paused = await eventually(resumed)
        assert paused.expires_at == T0 + 13 * day + hour
        await svc.tick(T0 + 13 * day)
        await svc.tick(T0 + 13 * day + 30 * timedelta(minutes=1))
        assert (await svc.current(c["paused"])).status.value == "ELIGIBLE"
        await svc.tick(T0 + 13 * day + 2 * hour)
        await svc.status_of(c["paused"], "EXPIRED")

        # Activation produced exactly one jobs.requested, planned from proposed_changes.
        jobs = await svc.messages("jobs.requested", until=lambda r: len(r) >= 1)
        await asyncio.sleep(0.5)
        jobs = await svc.messages("jobs.requested", until=lambda r: False, timeout_s=1)
        assert [m["data"]["contract_id"] for m in jobs] == [str(c["window"])]
        job = jobs[0]["data"]
        assert job["job_id"] == str(execution_job_id(c["window"]))
        assert job["steps"][0]["type"] == "capability_enable"
        assert job["steps"][0]["target"] == "EXPORT"
        async with svc.db.connect() as conn:
            states: dict[str, str] = dict(
                (
                    await conn.execute(
                        sa.text("SELECT kind, state FROM timers WHERE contract_id = :c"),
                        {"c": c["idle"]},
                    )
                ).all()
            )
        assert states == {
            "REVIEW_WARNING": "FIRED",
            "REVIEW_ESCALATION": "FIRED",
            "EXPIRY": "FIRED",
        }

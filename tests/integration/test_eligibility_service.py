"""Eligibility (SPEC §4, step 3) as a running service on the real broker.

Inputs are signed by their real producers (validator, health, executor, contracts,
console). Most tests share one service started once for the module over a context
published before it starts (a fresh HEALTHY SYSTEM signal, a registry, an open contract),
each test using capabilities of its own so their pending claims cannot meet. The E-104
test runs its own service with an injected clock, because it moves SYSTEM health and time.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka.partitioner import murmur2

from govmesh.eligibility.app import EligibilityService, build_service
from govmesh.eligibility.settings import EligibilitySettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.signing import Signer
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractLifecycle,
    ContractStatus,
    Envelope,
    GovernanceSignal,
    HealthSignal,
    HealthStatus,
    Lifecycle,
    Principal,
    ProposalValidated,
    RegistryState,
    SignalType,
    topic,
)
from govmesh.schemas.common import Message
from tests.infra import Broker, unique
from tests.integration.helpers import drain, produce_raw, wait_until

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
RULE_ORDER = [
    "E-104", "E-100", "E-101", "E-102", "E-103",
    "E-001", "E-002", "E-003", "E-004", "E-005", "E-006",
    "PREREQUISITE",
]  # fmt: skip
CONTEXT_TOPICS = ["registry.state", "governance.signals", "health.signals", "contracts.lifecycle"]
PARTITIONS = topic("proposals.validated").partitions
HEALTH_DEGRADED = "System health degraded - no new contracts"


# --- messages, from the golden fixtures -------------------------------------------------


def golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return data


def proposal(capability: str, *, issue_id: UUID | None = None) -> ProposalValidated:
    """The golden proposal (MAY in a healthy context) aimed at `capability`."""
    data = golden("ProposalValidated")
    data["issue_id"] = str(issue_id or uuid4())
    data["event"]["envelope"]["event_id"] = str(uuid4())
    data["event"]["envelope"]["idempotency_key"] = f"elig-{uuid4()}"
    data["event"]["payload"].pop("structured_data", None)
    data["event"]["hints"]["capability_hints"] = [capability]
    data["verdict"]["affected_capabilities"] = [capability]
    data["verdict"]["proposed_changes"][0]["capability_name"] = capability
    return ProposalValidated.model_validate(data)


def registry(name: str, *, frozen: bool = False) -> RegistryState:
    return RegistryState(
        name=name,
        enabled=False,
        lifecycle=Lifecycle.PREVIEW,
        frozen=frozen,
        revision=1,
        updated_at=datetime.now(UTC),
    )


def health(
    status: HealthStatus = HealthStatus.HEALTHY,
    *,
    observed_at: datetime | None = None,
    valid_for: timedelta = timedelta(minutes=30),
) -> HealthSignal:
    observed = observed_at or datetime.now(UTC)
    return HealthSignal(
        scope=SYSTEM_SCOPE,
        status=status,
        source="baseline",
        reason="eligibility integration test",
        observed_at=observed,
        valid_until=observed + valid_for,
    )


def governance(scope: str, signal_type: SignalType, *, active: bool = True) -> GovernanceSignal:
    return GovernanceSignal(
        scope=scope,
        signal_type=signal_type,
        active=active,
        issued_by="founder:alice",
        reason="eligibility integration test",
        issued_at=datetime.now(UTC),
    )


def lifecycle(
    capability: str,
    *,
    contract_id: UUID,
    issue_id: UUID,
    status: ContractStatus = ContractStatus.ELIGIBLE,
    version: int = 1,
) -> ContractLifecycle:
    """The golden lifecycle message re-aimed at `capability`, created now."""
    data = golden("ContractLifecycle")
    snapshot = data["contract"]
    now = datetime.now(UTC).isoformat()
    snapshot.update(
        contract_id=str(contract_id),
        issue_id=str(issue_id),
        status=status.value,
        version=version,
        affected_capabilities=[capability],
        created_at=now,
        updated_at=now,
    )
    snapshot["proposed_changes"][0]["capability_name"] = capability
    data["transition"].update(to_status=status.value, at=now)
    return ContractLifecycle.model_validate(data)


def partition_of(issue_id: UUID) -> int:
    """The partition the producers' default partitioner gives this key."""
    hashed: int = murmur2(str(issue_id).encode())
    return (hashed & 0x7FFFFFFF) % PARTITIONS


def issue_on(partition: int) -> UUID:
    while True:
        candidate = uuid4()
        if partition_of(candidate) == partition:
            return candidate


# --- publishing and reading -------------------------------------------------------------


@dataclass(frozen=True)
class Assessed:
    """One record on `proposals.assessed`."""

    key: str
    envelope: dict[str, Any]

    @property
    def eligibility(self) -> dict[str, Any]:
        result: dict[str, Any] = self.envelope["data"]["eligibility"]
        return result


class Inputs:
    """Publishes on a test's topics, each message signed by its registered producer."""

    def __init__(self, settings: EligibilitySettings, keys_dir: Path) -> None:
        self.settings = settings
        self._signers = {
            p: Signer.load(keys_dir, p)
            for p in (
                Principal.VALIDATOR,
                Principal.HEALTH,
                Principal.EXECUTOR,
                Principal.CONTRACTS,
                Principal.CONSOLE,
            )
        }

    def sign(self, message: Message, producer: Principal) -> Envelope:
        return make_envelope(message, self._signers[producer])

    async def raw(self, logical: str, items: list[tuple[str, Envelope]]) -> None:
        await produce_raw(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic(logical),
            [(key.encode(), envelope.to_bytes()) for key, envelope in items],
        )

    async def proposals(self, *items: ProposalValidated) -> list[Envelope]:
        """Publish back to back, in order, as the validator."""
        envelopes = [self.sign(p, Principal.VALIDATOR) for p in items]
        keyed = [(str(p.issue_id), e) for p, e in zip(items, envelopes, strict=True)]
        await self.raw("proposals.validated", keyed)
        return envelopes

    async def health(self, message: HealthSignal) -> None:
        await self.raw("health.signals", [(message.scope, self.sign(message, Principal.HEALTH))])

    async def registry(self, *items: RegistryState) -> None:
        signed = [(r.name, self.sign(r, Principal.EXECUTOR)) for r in items]
        await self.raw("registry.state", signed)

    async def governance(self, message: GovernanceSignal) -> None:
        key = f"{message.scope}+{message.signal_type.value}"
        await self.raw("governance.signals", [(key, self.sign(message, Principal.CONSOLE))])

    async def lifecycle(self, message: ContractLifecycle) -> None:
        key = str(message.contract.contract_id)
        await self.raw("contracts.lifecycle", [(key, self.sign(message, Principal.CONTRACTS))])

    async def verdicts(self, *issue_ids: UUID, count: int = 1) -> dict[UUID, list[Assessed]]:
        """The `proposals.assessed` records of these issues, once each has `count` of them."""

        def by_issue(records: list[Any]) -> dict[UUID, list[Assessed]]:
            found: dict[UUID, list[Assessed]] = {i: [] for i in issue_ids}
            for record in records:
                value = json.loads(record.value)
                issue = UUID(value["data"]["issue_id"])
                if issue in found:
                    found[issue].append(Assessed(record.key.decode(), value))
            return found

        records = await drain(
            self.settings.kafka_bootstrap,
            self.settings.kafka_topic("proposals.assessed"),
            until=lambda rs: all(len(v) >= count for v in by_issue(rs).values()),
            timeout_s=45,
        )
        found = by_issue(records)
        late = [str(i) for i, v in found.items() if len(v) < count]
        assert not late, f"no verdict in time for {late}"
        return found

    async def verdict(self, issue_id: UUID) -> Assessed:
        """The one verdict of one issue."""
        (only,) = (await self.verdicts(issue_id))[issue_id]
        return only

    async def decide(self, item: ProposalValidated) -> Assessed:
        await self.proposals(item)
        return await self.verdict(item.issue_id)


async def until_ready(client: httpx.AsyncClient, timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (await client.get("/readyz")).status_code != 200:
        assert asyncio.get_running_loop().time() < deadline, "service never became ready"
        await asyncio.sleep(0.1)


def settings_for(kafka: Broker, keys_dir: Path, prefix: str) -> EligibilitySettings:
    return EligibilitySettings(
        kafka_bootstrap=kafka.bootstrap, keys_dir=keys_dir, topic_prefix=prefix, dev_mode=True
    )


# --- the shared service -----------------------------------------------------------------

FROZEN = "FROZEN_CAP"
DUPLICATE = "DUP_CAP"
CAPABILITIES = [
    "LOGS_LIST",
    FROZEN,
    DUPLICATE,
    "BLOCK_CAP",
    "RACE_CAP",
    "SPLIT_CAP",
    "SETTLE_CAP",
    "REDO_CAP",
]


@dataclass
class Gate:
    inputs: Inputs
    service: EligibilityService
    open_contract: UUID
    before_start: dict[str, UUID]


@pytest.fixture(scope="module")
async def gate(kafka: Broker, keys_dir: Path) -> AsyncIterator[Gate]:
    """One service over a context and two proposals published before it started."""
    prefix = unique("elig") + "."
    await ensure_topics(kafka.bootstrap, prefix)
    settings = settings_for(kafka, keys_dir, prefix)
    inputs = Inputs(settings, keys_dir)
    await inputs.health(health())
    await inputs.registry(*[registry(name, frozen=name == FROZEN) for name in CAPABILITIES])
    open_contract = uuid4()
    await inputs.lifecycle(lifecycle(DUPLICATE, contract_id=open_contract, issue_id=uuid4()))
    early = {name: proposal(name) for name in (FROZEN, DUPLICATE)}
    await inputs.proposals(*early.values())
    service = build_service(settings)
    await service.runtime.start()
    transport = httpx.ASGITransport(app=service.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://eligibility") as client:
            await until_ready(client)
        yield Gate(inputs, service, open_contract, {k: p.issue_id for k, p in early.items()})
    finally:
        await service.runtime.stop()


async def test_ELIG001_validated_proposal_gives_one_MAY_verdict_with_deterministic_id(
    gate: Gate,
) -> None:
    subject = proposal("LOGS_LIST")
    (sent,) = await gate.inputs.proposals(subject)
    (found,) = (await gate.inputs.verdicts(subject.issue_id))[subject.issue_id]

    assert found.key == str(subject.issue_id)
    envelope = found.envelope
    assert envelope["event_id"] == str(deterministic_id(sent.event_id, "1.0.0"))
    assert envelope["producer"] == "eligibility"
    assert envelope["type"] == "ProposalAssessed"
    assert envelope["causation_id"] == str(sent.event_id)
    assert envelope["correlation_id"] == str(subject.issue_id)
    assert envelope["data"]["verdict"] == subject.verdict.model_dump(mode="json")
    eligibility = found.eligibility
    assert eligibility["decision"] == "MAY"
    assert eligibility["first_failing_rule"] is None
    assert [r["rule"] for r in eligibility["rules_evaluated"]] == RULE_ORDER
    assert all(r["passed"] for r in eligibility["rules_evaluated"])
    assert eligibility["rules_version"] == "1.0.0"
    versions = eligibility["context_versions"]
    assert set(CONTEXT_TOPICS) <= set(versions)
    assert versions["registry.state"] and versions["health.signals"]
    assert versions["contracts.lifecycle"]
    assert versions["config"] == gate.inputs.settings.config().fingerprint()


async def test_E102_frozen_capability_on_registry_state_fires_after_views_caught_up(
    gate: Gate,
) -> None:
    # Published before the service started: decided only once the views had caught up.
    found = await gate.inputs.verdict(gate.before_start[FROZEN])
    assert found.eligibility["decision"] == "MAY_NOT"
    assert found.eligibility["first_failing_rule"] == "E-102"
    assert found.eligibility["reason"] == f"Cannot modify frozen capability: {FROZEN}"
    first = found.eligibility["rules_evaluated"][0]
    assert (first["rule"], first["passed"]) == ("E-104", True)


async def test_E006_open_contract_on_contracts_lifecycle_fires(gate: Gate) -> None:
    found = await gate.inputs.verdict(gate.before_start[DUPLICATE])
    assert found.eligibility["first_failing_rule"] == "E-006"
    assert found.eligibility["reason"] == f"Similar contract already pending: {gate.open_contract}"
    assert found.eligibility["context_versions"]["contracts.lifecycle"]


def _has_signal(gate: Gate, scope: str, signal_type: SignalType) -> Callable[[], bool]:
    return lambda: (scope, signal_type) in gate.service.view.context.signals


async def test_E003_E102_governance_signals_block_freeze_and_withdrawal_clears(
    gate: Gate,
) -> None:
    inputs, scope = gate.inputs, "BLOCK_CAP"
    await inputs.governance(governance(scope, SignalType.BLOCKED))
    await wait_until(_has_signal(gate, scope, SignalType.BLOCKED))
    blocked = (await inputs.decide(proposal(scope))).eligibility
    assert blocked["first_failing_rule"] == "E-003"
    assert blocked["reason"] == "Blocked by governance signal: BLOCKED"
    assert blocked["blocking_signals"] == [f"BLOCKED:{scope}"]

    await inputs.governance(governance(scope, SignalType.BLOCKED, active=False))
    await inputs.governance(governance(scope, SignalType.FROZEN))
    await wait_until(_has_signal(gate, scope, SignalType.FROZEN))
    await wait_until(lambda: not _has_signal(gate, scope, SignalType.BLOCKED)())
    frozen = (await inputs.decide(proposal(scope))).eligibility
    assert frozen["first_failing_rule"] == "E-102"
    assert frozen["blocking_signals"] == [f"FROZEN:{scope}"]

    await inputs.governance(governance(scope, SignalType.FROZEN, active=False))
    await wait_until(lambda: not _has_signal(gate, scope, SignalType.FROZEN)())
    assert (await inputs.decide(proposal(scope))).eligibility["decision"] == "MAY"


async def test_E006_two_proposals_back_to_back_only_the_first_is_eligible(gate: Gate) -> None:
    # Same partition: decided in publication order, so "first" is well defined.
    first = proposal("RACE_CAP", issue_id=issue_on(0))
    second = proposal("RACE_CAP", issue_id=issue_on(0))
    sent = await gate.inputs.proposals(first, second)
    found = await gate.inputs.verdicts(first.issue_id, second.issue_id)
    (winner,), (loser,) = found[first.issue_id], found[second.issue_id]
    assert winner.eligibility["decision"] == "MAY"
    assert loser.eligibility["decision"] == "MAY_NOT"
    assert loser.eligibility["first_failing_rule"] == "E-006"
    assert str(first.issue_id) in loser.eligibility["reason"]
    claim_id = str(deterministic_id(sent[0].event_id, "1.0.0"))
    pending = loser.eligibility["context_versions"]["pending_claims"]
    assert pending[claim_id]["capabilities"] == ["RACE_CAP"]

    # Different partitions: still decided one at a time here, so exactly one wins.
    left = proposal("SPLIT_CAP", issue_id=issue_on(1))
    right = proposal("SPLIT_CAP", issue_id=issue_on(2))
    await gate.inputs.proposals(left, right)
    split = await gate.inputs.verdicts(left.issue_id, right.issue_id)
    decisions = sorted(v[0].eligibility["decision"] for v in split.values())
    assert decisions == ["MAY", "MAY_NOT"]


async def test_E006_pending_claim_settles_when_contract_appears_and_clears_when_closed(
    gate: Gate,
) -> None:
    inputs, view, capability = gate.inputs, gate.service.view, "SETTLE_CAP"
    claimant = proposal(capability)
    assert (await inputs.decide(claimant)).eligibility["decision"] == "MAY"
    assert any(c.issue_id == claimant.issue_id for c in view.context.pending_claims.values())

    contract_id = uuid4()
    await inputs.lifecycle(
        lifecycle(capability, contract_id=contract_id, issue_id=claimant.issue_id)
    )
    await wait_until(lambda: contract_id in view.context.open_contracts)
    assert all(c.issue_id != claimant.issue_id for c in view.context.pending_claims.values())
    duplicate = (await inputs.decide(proposal(capability))).eligibility
    assert duplicate["first_failing_rule"] == "E-006"
    assert duplicate["reason"] == f"Similar contract already pending: {contract_id}"

    closed = lifecycle(
        capability,
        contract_id=contract_id,
        issue_id=claimant.issue_id,
        status=ContractStatus.REJECTED,
        version=2,
    )
    await inputs.lifecycle(closed)
    await wait_until(lambda: contract_id not in view.context.open_contracts)
    assert (await inputs.decide(proposal(capability))).eligibility["decision"] == "MAY"


async def test_ELIG001_redelivered_proposal_gives_the_same_event_id_and_decision(
    gate: Gate,
) -> None:
    subject = proposal("REDO_CAP")
    (envelope,) = await gate.inputs.proposals(subject)
    # The same record again, as Kafka redelivers after a crash before the offset commit.
    await gate.inputs.raw("proposals.validated", [(str(subject.issue_id), envelope)])
    twice = (await gate.inputs.verdicts(subject.issue_id, count=2))[subject.issue_id]
    assert len(twice) == 2
    expected = str(deterministic_id(envelope.event_id, "1.0.0"))
    assert [v.envelope["event_id"] for v in twice] == [expected, expected]
    # Its own claim from the first pass does not make the repeat a duplicate of itself.
    assert [v.eligibility["decision"] for v in twice] == ["MAY", "MAY"]
    assert twice[0].eligibility["rules_evaluated"] == twice[1].eligibility["rules_evaluated"]


# --- E-104 with its own service and clock -----------------------------------------------


class Clock:
    """The injectable clock: the test moves time instead of waiting for it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_E104_unknown_stale_and_degraded_health_fire_fresh_healthy_clears(
    kafka: Broker, keys_dir: Path
) -> None:
    prefix = unique("elig") + "."
    await ensure_topics(kafka.bootstrap, prefix)
    settings = settings_for(kafka, keys_dir, prefix)
    inputs = Inputs(settings, keys_dir)
    await inputs.registry(registry("LOGS_LIST"))
    clock = Clock(datetime.now(UTC))
    service = build_service(settings, clock=clock)
    view = service.view
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://eligibility") as client:
        # Not started: no view has caught up, so not ready.
        answer = await client.get("/readyz")
        assert answer.status_code == 503
        assert answer.json()["checks"]["views"].startswith("unavailable")
        await service.runtime.start()
        try:
            await until_ready(client)
            unknown = (await inputs.decide(proposal("LOGS_LIST"))).eligibility
            assert unknown["first_failing_rule"] == "E-104"
            assert unknown["reason"] == HEALTH_DEGRADED
            assert unknown["context_versions"]["health.signals"] == {}

            stale = health(
                observed_at=clock.now - timedelta(minutes=10), valid_for=timedelta(minutes=1)
            )
            await inputs.health(stale)
            await wait_until(lambda: view.context.system_health is not None)
            assert (await inputs.decide(proposal("LOGS_LIST"))).eligibility[
                "first_failing_rule"
            ] == "E-104"

            fresh = health(observed_at=clock.now, valid_for=timedelta(minutes=5))
            await inputs.health(fresh)
            await wait_until(lambda: _health_is(view, fresh))
            cleared = (await inputs.decide(proposal("LOGS_LIST"))).eligibility
            assert cleared["decision"] == "MAY"
            assert cleared["rules_evaluated"][0]["passed"] is True

            # No new signal for longer than it was valid: unknown again.
            clock.now += timedelta(minutes=6)
            aged = (await inputs.decide(proposal("LOGS_LIST"))).eligibility
            assert aged["first_failing_rule"] == "E-104"

            degraded = health(HealthStatus.DEGRADED, observed_at=clock.now)
            await inputs.health(degraded)
            await wait_until(lambda: _health_is(view, degraded))
            assert (await inputs.decide(proposal("LOGS_LIST"))).eligibility[
                "first_failing_rule"
            ] == "E-104"
        finally:
            await service.runtime.stop()


def _health_is(view: Any, signal: HealthSignal) -> bool:
    current = view.context.system_health
    return current is not None and (current.status, current.valid_until) == (
        signal.status,
        signal.valid_until,
    )

"""Property tests: for random contexts and proposals the verdict follows SPEC §4's order.

The context is folded from random messages, and an independent model of every rule is
computed from those raw messages, so folding and rules are checked together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govmesh.eligibility.domain import (
    EligibilityContext,
    apply_contract,
    apply_health,
    apply_registry,
    apply_signal,
)
from govmesh.schemas import (
    SYSTEM_SCOPE,
    ContractStatus,
    EligibilityDecision,
    HealthStatus,
    IssueType,
    ProposedChange,
    RecommendedAction,
    Severity,
    SignalType,
    Source,
)

from .factories import (
    NOW,
    assess,
    contract_lifecycle,
    enable,
    governance_signal,
    health_signal,
    proposal,
    registry_state,
    system_update,
)

pytestmark = pytest.mark.unit

SPEC_ORDER = [
    "E-104", "E-100", "E-101", "E-102", "E-103",
    "E-001", "E-002", "E-003", "E-004", "E-005", "E-006",
    "PREREQUISITE",
]  # fmt: skip
CAPABILITIES = ["A", "B", "C"]
SCOPES = [*CAPABILITIES, "Z", SYSTEM_SCOPE]
CLOSED = {"REJECTED", "EXPIRED", "FAILED", "COMPLETED", "SUPERSEDED"}
ISSUE = "issue"

expiries = st.sampled_from([None, timedelta(hours=-1), timedelta(0), timedelta(hours=1)])


@dataclass(frozen=True)
class SignalSpec:
    scope: str
    signal_type: SignalType
    active: bool
    expires_in: timedelta | None


@dataclass(frozen=True)
class ContractSpec:
    label: str
    status: ContractStatus
    capabilities: tuple[str, ...]
    age: timedelta
    same_issue: bool


@dataclass(frozen=True)
class World:
    registry: dict[str, bool]
    signals: list[SignalSpec]
    health: tuple[HealthStatus, timedelta] | None
    contracts: list[ContractSpec]
    issue_type: IssueType
    severity: Severity
    action: RecommendedAction
    confidence: float
    source: Source
    affected: tuple[str, ...]
    targets: tuple[str, ...] | None


T = TypeVar("T")


def mostly(usual: T, anything: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """Usually the value that passes, so that every rule gets its turn to decide."""
    return st.one_of(st.just(usual), st.just(usual), st.just(usual), anything)


scopes = st.lists(st.sampled_from(SCOPES), max_size=3).map(tuple)
known_scopes = st.lists(st.sampled_from(CAPABILITIES), min_size=1, max_size=2).map(tuple)
HEALTHY = (HealthStatus.HEALTHY, timedelta(minutes=5))

worlds = st.builds(
    World,
    registry=mostly(
        dict.fromkeys(CAPABILITIES, False),
        st.dictionaries(st.sampled_from(CAPABILITIES), st.booleans()),
    ),
    signals=st.lists(
        st.builds(
            SignalSpec,
            scope=st.sampled_from(SCOPES),
            signal_type=st.sampled_from(SignalType),
            active=st.booleans(),
            expires_in=expiries,
        ),
        max_size=4,
    ),
    health=mostly(
        HEALTHY,
        st.none()
        | st.tuples(
            st.sampled_from(HealthStatus),
            st.sampled_from([timedelta(seconds=-1), timedelta(0), timedelta(minutes=5)]),
        ),
    ),
    contracts=st.lists(
        st.builds(
            ContractSpec,
            label=st.sampled_from(["c1", "c2", "c3"]),
            status=st.sampled_from(ContractStatus),
            capabilities=st.lists(st.sampled_from(SCOPES), min_size=1, max_size=2).map(tuple),
            age=st.sampled_from([timedelta(hours=h) for h in (-1, 1, 23, 24, 25)]),
            same_issue=st.booleans(),
        ),
        max_size=3,
    ),
    issue_type=mostly(IssueType.CAPABILITY_REQUEST, st.sampled_from(IssueType)),
    severity=mostly(Severity.MEDIUM, st.sampled_from(Severity)),
    action=mostly(RecommendedAction.CREATE_CONTRACT, st.sampled_from(RecommendedAction)),
    confidence=mostly(85, st.integers(0, 100)).map(lambda n: n / 100),
    source=mostly(Source.CRM_FEEDBACK, st.sampled_from(Source)),
    affected=st.one_of(known_scopes, scopes),
    targets=mostly(
        ("A",), st.none() | st.lists(st.sampled_from(SCOPES), min_size=1, max_size=3).map(tuple)
    ),
)


def _fold(world: World) -> EligibilityContext:
    ctx = EligibilityContext()
    for offset, (name, frozen) in enumerate(sorted(world.registry.items())):
        ctx = apply_registry(ctx, registry_state(name, frozen=frozen), offset)
    for offset, given_signal in enumerate(world.signals):
        expires = None if given_signal.expires_in is None else NOW + given_signal.expires_in
        signal = governance_signal(
            given_signal.scope,
            given_signal.signal_type,
            active=given_signal.active,
            expires_at=expires,
        )
        ctx = apply_signal(ctx, signal, offset)
    if world.health is not None:
        status, valid_for = world.health
        ctx = apply_health(ctx, health_signal(status, valid_until=NOW + valid_for), 0)
    for offset, spec in enumerate(world.contracts):
        message = contract_lifecycle(
            spec.label,
            status=spec.status,
            capabilities=spec.capabilities,
            created_at=NOW - spec.age,
            issue=ISSUE if spec.same_issue else None,
        )
        ctx = apply_contract(ctx, message, offset)
    return ctx


def _changes(world: World) -> list[ProposedChange] | None:
    if world.targets is None:
        return None
    return [system_update() if name == SYSTEM_SCOPE else enable(name) for name in world.targets]


def _active(world: World, scope: str, signal_type: SignalType) -> bool:
    last = [s for s in world.signals if (s.scope, s.signal_type) == (scope, signal_type)][-1:]
    return any(s.active and (s.expires_in is None or s.expires_in > timedelta(0)) for s in last)


def _expected(world: World) -> dict[str, bool]:
    """An independent model of each rule, straight from the raw inputs."""
    scope = list(dict.fromkeys([*world.affected, *(world.targets or ())]))
    claims = {name for name in scope if name != SYSTEM_SCOPE}
    last_contract = {spec.label: spec for spec in world.contracts}
    duplicates = [
        spec
        for spec in last_contract.values()
        if spec.status.value not in CLOSED
        and not spec.same_issue
        and spec.age <= timedelta(hours=24)
        and claims & (set(spec.capabilities) - {SYSTEM_SCOPE})
    ]
    healthy = world.health is not None and (
        world.health[0] is HealthStatus.HEALTHY and world.health[1] >= timedelta(0)
    )
    actionable = {
        IssueType.CAPABILITY_REQUEST,
        IssueType.CONFIGURATION_CHANGE,
        IssueType.BUG_REPORT,
    }
    return {
        "E-104": healthy,
        "E-100": world.confidence >= 0.30,
        "E-101": world.severity is not Severity.CRITICAL
        or world.action is RecommendedAction.ESCALATE,
        "E-102": not any(
            world.registry.get(name, False) or _active(world, name, SignalType.FROZEN)
            for name in scope
        ),
        "E-103": SYSTEM_SCOPE not in scope or _active(world, SYSTEM_SCOPE, SignalType.PRE_APPROVAL),
        "E-001": world.confidence >= 0.70,
        "E-002": all(name in world.registry for name in claims),
        "E-003": not any(
            _active(world, name, SignalType.BLOCKED) for name in {*scope, SYSTEM_SCOPE}
        ),
        "E-004": world.issue_type in actionable and world.action is not RecommendedAction.ESCALATE,
        "E-005": world.source in {Source.CRM_FEEDBACK, Source.SUPPORT_TICKET, Source.OPS_ALERT},
        "E-006": not duplicates,
        "PREREQUISITE": world.targets is not None,
    }


@settings(max_examples=300, deadline=None)
@given(world=worlds)
def test_ELIG003_decision_is_may_iff_every_rule_passed_and_first_failure_decides(
    world: World,
) -> None:
    subject = proposal(
        source=world.source,
        issue=ISSUE,
        issue_type=world.issue_type,
        severity=world.severity,
        action=world.action,
        confidence=world.confidence,
        capabilities=world.affected,
        changes=_changes(world),
    )
    verdict = assess(subject, _fold(world))

    recorded = {r.rule: r.passed for r in verdict.rules_evaluated}
    assert [r.rule for r in verdict.rules_evaluated] == SPEC_ORDER
    assert recorded == _expected(world)
    failing = [rule for rule in SPEC_ORDER if not recorded[rule]]
    assert (verdict.decision is EligibilityDecision.MAY) == (not failing)
    assert verdict.first_failing_rule == (failing[0] if failing else None)
    if failing:
        decisive = next(r for r in verdict.rules_evaluated if r.rule == failing[0])
        assert verdict.reason == decisive.reason
    assert verdict.reason

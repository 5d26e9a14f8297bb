"""The rollout state machine (SPEC §9, SM-005, GATE-7).

The contracts service owns rollout state: the table, the transition function, the bake
rule, and `allowed_pairs` for the database trigger that enforces the table.

    PENDING  --AUDIT_PASS-->         DEPLOYED   (GATE-7: only a PASS deploys)
    DEPLOYED --BAKE_STABLE-->        VERIFIED   (scope health stable for the bake period)
    DEPLOYED --BAKE_DEGRADED-->      ESCALATED  + incident
    PENDING  --AUDIT_FAIL-->         ROLLED_BACK + incident
    ROLLED_BACK --INCIDENT_OPENED--> INCIDENT
    PENDING  --AUDIT_INCONCLUSIVE--> ESCALATED

Only an audit verdict moves a rollout out of PENDING (SM-005). ``ROLLOUT-TABLE`` is a local
rule ID for any other move the table does not list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from govmesh.schemas import CheckOutcome, HealthStatus

DEFAULT_BAKE_PERIOD = timedelta(minutes=5)
RULE_TABLE = "ROLLOUT-TABLE"


class RolloutState(StrEnum):
    PENDING = "PENDING"
    DEPLOYED = "DEPLOYED"
    VERIFIED = "VERIFIED"
    ROLLED_BACK = "ROLLED_BACK"
    INCIDENT = "INCIDENT"
    ESCALATED = "ESCALATED"


class RolloutEvent(StrEnum):
    AUDIT_PASS = "AUDIT_PASS"
    AUDIT_FAIL = "AUDIT_FAIL"
    AUDIT_INCONCLUSIVE = "AUDIT_INCONCLUSIVE"
    BAKE_STABLE = "BAKE_STABLE"
    BAKE_DEGRADED = "BAKE_DEGRADED"
    INCIDENT_OPENED = "INCIDENT_OPENED"


@dataclass(frozen=True)
class RolloutMove:
    """The state a rollout moves to, and whether an incident must be opened with it."""

    to: RolloutState
    incident: bool = False


class RolloutRefused(Exception):
    """A rollout move the table does not allow; `rule` names why."""

    retryable = False

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.message = message


TABLE: Mapping[tuple[RolloutState, RolloutEvent], RolloutMove] = MappingProxyType(
    {
        (RolloutState.PENDING, RolloutEvent.AUDIT_PASS): RolloutMove(RolloutState.DEPLOYED),
        (RolloutState.PENDING, RolloutEvent.AUDIT_FAIL): RolloutMove(
            RolloutState.ROLLED_BACK, True
        ),
        (RolloutState.PENDING, RolloutEvent.AUDIT_INCONCLUSIVE): RolloutMove(
            RolloutState.ESCALATED
        ),
        (RolloutState.DEPLOYED, RolloutEvent.BAKE_STABLE): RolloutMove(RolloutState.VERIFIED),
        (RolloutState.DEPLOYED, RolloutEvent.BAKE_DEGRADED): RolloutMove(
            RolloutState.ESCALATED, True
        ),
        (RolloutState.ROLLED_BACK, RolloutEvent.INCIDENT_OPENED): RolloutMove(
            RolloutState.INCIDENT
        ),
    }
)

TERMINAL: frozenset[RolloutState] = frozenset(
    {RolloutState.VERIFIED, RolloutState.INCIDENT, RolloutState.ESCALATED}
)

_VERDICT_EVENTS: Mapping[CheckOutcome, RolloutEvent] = MappingProxyType(
    {
        CheckOutcome.PASS: RolloutEvent.AUDIT_PASS,
        CheckOutcome.FAIL: RolloutEvent.AUDIT_FAIL,
        CheckOutcome.INCONCLUSIVE: RolloutEvent.AUDIT_INCONCLUSIVE,
    }
)


def verdict_event(verdict: CheckOutcome | None) -> RolloutEvent:
    """The rollout event an audit verdict causes; no verdict, no rollout (SM-005)."""
    if verdict is None:
        raise RolloutRefused("SM-005", "a rollout requires an audit verdict")
    return _VERDICT_EVENTS[verdict]


def rollout_transition(state: RolloutState, event: RolloutEvent) -> RolloutMove:
    """The move `event` causes from `state`, or RolloutRefused (SM-005 out of PENDING)."""
    move = TABLE.get((state, event))
    if move is not None:
        return move
    if state is RolloutState.PENDING:
        raise RolloutRefused(
            "SM-005", f"{event.value} before an audit verdict; a rollout needs one"
        )
    raise RolloutRefused(RULE_TABLE, f"{event.value} is not allowed in {state.value}")


_RANK: Mapping[HealthStatus, int] = MappingProxyType(
    {HealthStatus.HEALTHY: 2, HealthStatus.DEGRADED: 1, HealthStatus.UNHEALTHY: 0}
)


def bake_event(
    baseline: Mapping[str, HealthStatus],
    current: Mapping[str, HealthStatus],
    deployed_at: datetime,
    now: datetime,
    bake_period: timedelta = DEFAULT_BAKE_PERIOD,
) -> RolloutEvent | None:
    """The bake's outcome for a DEPLOYED rollout, or None while it is still baking.

    BAKE_DEGRADED as soon as any baseline scope is worse than at deployment — health lost
    (UNKNOWN or missing) counts as worse; BAKE_STABLE once the bake period has passed
    without that; otherwise None. Call it on every health change during the bake.
    """
    for scope, before in baseline.items():
        after = _RANK.get(current.get(scope, HealthStatus.UNKNOWN))
        if after is None or after < _RANK.get(before, -1):
            return RolloutEvent.BAKE_DEGRADED
    if now - deployed_at >= bake_period:
        return RolloutEvent.BAKE_STABLE
    return None


def allowed_pairs() -> frozenset[tuple[RolloutState, RolloutState]]:
    """Every (from, to) state change the table allows (for the database trigger)."""
    return frozenset((state, move.to) for (state, _), move in TABLE.items())

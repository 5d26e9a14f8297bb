"""Founder actions: check what the console can judge, publish the decision, remember it.

Shared by the JSON API and the web forms, so both refuse and publish alike. A decision
is answered as submitted only after the broker acknowledged it (acks=all); the
contract authority then re-checks every guard (conventions: founder actions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID, uuid4

import structlog

from govmesh.console.adapters.views import ConsoleViews
from govmesh.console.domain.capability_state import CapabilityState, capability_states
from govmesh.console.domain.checks import (
    ReviewRequest,
    audit_action,
    check_cancel,
    check_review,
)
from govmesh.console.domain.ledger import DecisionLedger, Submission
from govmesh.console.domain.refusals import ErrorCode, Refusal, contract_not_found
from govmesh.console.metrics import DECISIONS, SIGNALS
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import (
    FounderAction,
    FounderDecision,
    GovernanceSignal,
    ProposedChanges,
    SignalType,
)

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


class Publisher(Protocol):
    """Where decisions and signals go (the broker in production, a list in unit tests)."""

    async def decision(self, decision: FounderDecision, correlation_id: UUID | None) -> None: ...

    async def signal(self, signal: GovernanceSignal) -> UUID: ...


@dataclass(frozen=True)
class Submitted:
    """Durably published; `event_id` is the decision id (or the signal's event id)."""

    event_id: UUID


NOT_READY = Refusal(
    503,
    ErrorCode.NOT_READY,
    "the console is still reading contracts.lifecycle; try again in a moment",
    field=None,
)


class Console:
    """The console's use cases over its views, its ledger and a publisher."""

    def __init__(
        self,
        views: ConsoleViews,
        ledger: DecisionLedger,
        publisher: Publisher,
        clock: Clock,
        ready: Callable[[], bool],
    ) -> None:
        self.views = views
        self.ledger = ledger
        self._publisher = publisher
        self._clock = clock
        self._ready = ready

    def now(self) -> datetime:
        return self._clock()

    def ready(self) -> bool:
        """Whether the views have caught up with their topics' ends seen at start-up."""
        return self._ready()

    def capabilities(self, now: datetime) -> tuple[CapabilityState, ...]:
        """Every capability's effective state at `now` (PART2-005, health > lifecycle)."""
        return capability_states(self.views.registry, self.views.health, now)

    def approvers(self, contract_id: UUID) -> frozenset[str]:
        """Founders known to have approved (submitted here, not refused since)."""
        return self.ledger.approvers(contract_id, self.views.notifications(contract_id))

    async def review(
        self,
        contract_id: UUID,
        req: ReviewRequest,
        session_id: str,
        proposed_changes: ProposedChanges | None = None,
    ) -> Submitted | Refusal:
        """APPROVE, REJECT, REQUEST_CLARIFICATION or MODIFY_SCOPE (SPEC §6, REVIEW-004)."""
        if not self._ready():
            return self._count(req.action, NOT_READY)
        now = self._clock()
        contract = self.views.contract(contract_id)
        refusal = check_review(
            contract_id, contract, req, approvers=self.approvers(contract_id), now=now
        )
        if refusal is not None:
            return self._count(req.action, refusal)
        assert contract is not None  # check_review refuses an unknown contract
        decision = FounderDecision(
            decision_id=uuid4(),
            contract_id=contract_id,
            action=req.action,
            founder=req.founder,
            session_id=session_id,
            decided_at=now,
            reason=_text(req.reason),
            request=_text(req.request),
            activation_window_start=req.window_start,
            activation_window_end=req.window_end,
            proposed_changes=proposed_changes,
        )
        return await self._publish(decision, contract.issue_id, contract.version)

    async def resolve_audit(
        self,
        audit_id: UUID,
        contract_id: UUID,
        founder: str,
        session_id: str,
        context: str | None,
        acknowledge: bool | None = None,
    ) -> Submitted | Refusal:
        """RESOLVE_AUDIT (INCONCLUSIVE, with context) or ACKNOWLEDGE_AUDIT (FAIL) — SPEC §8."""
        if not self._ready():
            return self._count(FounderAction.RESOLVE_AUDIT, NOT_READY)
        contract = self.views.contract(contract_id)
        action = audit_action(contract_id, contract, acknowledge=acknowledge, context=context)
        if isinstance(action, Refusal):
            return self._count(FounderAction.RESOLVE_AUDIT, action)
        assert contract is not None
        decision = FounderDecision(
            decision_id=uuid4(),
            contract_id=contract_id,
            action=action,
            founder=founder,
            session_id=session_id,
            decided_at=self._clock(),
            reason=_text(context),
            audit_id=audit_id,
        )
        return await self._publish(decision, contract.issue_id, contract.version)

    async def acknowledge_incident(
        self,
        incident_id: UUID,
        contract_id: UUID,
        founder: str,
        session_id: str,
        reason: str | None,
    ) -> Submitted | Refusal:
        """ACKNOWLEDGE_INCIDENT: contracts checks the incident is the contract's and open."""
        if not self._ready():
            return self._count(FounderAction.ACKNOWLEDGE_INCIDENT, NOT_READY)
        contract = self.views.contract(contract_id)
        if contract is None:
            return self._count(FounderAction.ACKNOWLEDGE_INCIDENT, contract_not_found(contract_id))
        decision = FounderDecision(
            decision_id=uuid4(),
            contract_id=contract_id,
            action=FounderAction.ACKNOWLEDGE_INCIDENT,
            founder=founder,
            session_id=session_id,
            decided_at=self._clock(),
            reason=_text(reason),
            incident_id=incident_id,
        )
        return await self._publish(decision, contract.issue_id, contract.version)

    async def cancel_job(
        self, job_id: UUID, contract_id: UUID, founder: str, session_id: str, reason: str | None
    ) -> Submitted | Refusal:
        """CANCEL_JOB: contracts checks it; the executor cancels only a PENDING job (§7)."""
        if not self._ready():
            return self._count(FounderAction.CANCEL_JOB, NOT_READY)
        contract = self.views.contract(contract_id)
        refusal = check_cancel(job_id, contract_id, contract)
        if refusal is not None:
            return self._count(FounderAction.CANCEL_JOB, refusal)
        assert contract is not None
        decision = FounderDecision(
            decision_id=uuid4(),
            contract_id=contract_id,
            action=FounderAction.CANCEL_JOB,
            founder=founder,
            session_id=session_id,
            decided_at=self._clock(),
            reason=_text(reason),
            job_id=job_id,
        )
        return await self._publish(decision, contract.issue_id, contract.version)

    async def freeze(
        self,
        scope: str,
        founder: str,
        reason: str,
        *,
        active: bool = True,
        expires_at: datetime | None = None,
    ) -> Submitted | Refusal:
        """A FROZEN governance signal for a scope (ELIG-005 / E-102); inactive lifts it."""
        signal = GovernanceSignal(
            scope=scope,
            signal_type=SignalType.FROZEN,
            active=active,
            issued_by=founder,
            reason=reason,
            issued_at=self._clock(),
            expires_at=expires_at,
        )
        try:
            event_id = await self._publisher.signal(signal)
        except RetryableError as exc:
            SIGNALS.labels("unavailable").inc()
            return _unavailable(exc)
        SIGNALS.labels("freeze" if active else "unfreeze").inc()
        log.info("console.signal", scope=scope, active=active, founder=founder)
        return Submitted(event_id)

    async def _publish(
        self, decision: FounderDecision, issue_id: UUID, version: int
    ) -> Submitted | Refusal:
        try:
            await self._publisher.decision(decision, issue_id)
        except RetryableError as exc:
            return self._count(decision.action, _unavailable(exc))
        self.ledger.record(
            Submission(
                decision_id=decision.decision_id,
                contract_id=decision.contract_id,
                action=decision.action,
                founder=decision.founder,
                at=decision.decided_at,
                contract_version=version,
            )
        )
        DECISIONS.labels(decision.action.value, "submitted").inc()
        log.info(
            "console.decision",
            decision_id=str(decision.decision_id),
            contract_id=str(decision.contract_id),
            action=decision.action.value,
            founder=decision.founder,
        )
        return Submitted(decision.decision_id)

    @staticmethod
    def _count(action: FounderAction, refusal: Refusal) -> Refusal:
        DECISIONS.labels(action.value, refusal.names).inc()
        return refusal


def _unavailable(exc: RetryableError) -> Refusal:
    log.warning("console.publish_failed", error=str(exc))
    return Refusal(
        503,
        ErrorCode.UNAVAILABLE,
        "the decision could not be published (broker unavailable); nothing was decided, retry",
        field=None,
    )


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None

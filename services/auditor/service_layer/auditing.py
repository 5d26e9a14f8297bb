"""One audit of one completed job: evidence from the views, checks, retry, time budget.

SPEC §8: the audit waits (bounded) for the contract view to hold the ACTIVE contract of the
job rather than judge with missing evidence; an INCONCLUSIVE verdict is retried once after
a delay (attempt 2, e.g. once health is fresh again); an audit that does not finish within
its budget is INCONCLUSIVE "audit timed out" — time never passes an audit.

Determinism: `audited_at` is the job event's own time and the audit id is derived from
(job id, attempt, auditor version), so the same evidence gives the same verdict; only
`duration_ms`, the measured wall time, differs between runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from govmesh.auditor import metrics
from govmesh.auditor.adapters.views import ContractView, HealthView, RegistryView, SignalView
from govmesh.auditor.domain.audit import audit, derive_audit_id, timed_out
from govmesh.auditor.domain.evidence import build_evidence
from govmesh.auditor.domain.health_view import health_at, health_available
from govmesh.auditor.domain.policy import should_retry
from govmesh.schemas import SYSTEM_SCOPE, AuditCheckResult, AuditVerdict, ContractSnapshot, JobEvent

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Views:
    """The four views an audit reads."""

    contracts: ContractView
    health: HealthView
    signals: SignalView
    registry: RegistryView


@dataclass
class _Progress:
    """How far an audit got, for the verdict of one that runs out of time."""

    attempt: int = 1
    waiting_for: str = "the audit to start"
    judged: Sequence[AuditCheckResult] | None = None


class Auditing:
    """Judges completed jobs against the views; see the module docstring."""

    def __init__(
        self,
        views: Views,
        *,
        budget_s: float,
        retry_delay_s: float,
        clock: Clock,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._views = views
        self._budget_s = budget_s
        self._retry_delay_s = retry_delay_s
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep

    async def audit(self, event: JobEvent) -> AuditVerdict:
        """The verdict for one auditable FINISHED event (SM-002 is checked by the caller)."""
        started = self._monotonic()
        progress = _Progress()
        try:
            async with asyncio.timeout(self._budget_s):
                return await self._attempts(event, started, progress)
        except TimeoutError:
            metrics.TIMEOUTS.inc()
            return timed_out(
                event,
                derive_audit_id(event.job_id, progress.attempt),
                event.at,
                self._elapsed_ms(started),
                progress.attempt,
                f"no verdict within {self._budget_s:g} s while waiting for {progress.waiting_for}",
                progress.judged,
            )

    async def _attempts(self, event: JobEvent, started: float, progress: _Progress) -> AuditVerdict:
        progress.waiting_for = (
            f"contract {event.contract_id} with job {event.job_id} in contracts.lifecycle"
        )
        contract = await self._views.contracts.wait_for(event.contract_id, event.job_id)
        verdict = self._judge(event, contract, 1, started)
        attempt = 1
        while should_retry(verdict.verdict, attempt):
            attempt += 1
            metrics.RETRIES.inc()
            progress.attempt = attempt
            progress.judged = verdict.checks
            progress.waiting_for = f"retry attempt {attempt}"
            await self._sleep(self._retry_delay_s)
            contract = self._views.contracts.lookup(event.contract_id, event.job_id) or contract
            verdict = self._judge(event, contract, attempt, started)
        return verdict

    def _judge(
        self, event: JobEvent, contract: ContractSnapshot, attempt: int, started: float
    ) -> AuditVerdict:
        scopes = {SYSTEM_SCOPE, *contract.affected_capabilities}
        reading = health_at(self._views.health.signals, scopes, self._clock())
        names = {*scopes, *(event.registry_before or {}), *(event.registry_after or {})}
        evidence = build_evidence(
            event,
            contract,
            self._views.signals.signals(),
            health_available(reading),
            health_at_audit=reading,
            registry_at_audit=self._views.registry.snapshot(names),
        )
        return audit(
            evidence,
            derive_audit_id(event.job_id, attempt),
            event.at,
            self._elapsed_ms(started),
            attempt,
        )

    def _elapsed_ms(self, started: float) -> int:
        return max(0, round((self._monotonic() - started) * 1000))

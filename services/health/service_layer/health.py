"""The health service's use cases: one in-memory `HealthState`, published on every change.

Every input (an Alertmanager notification, an override, a registry record, an expiry)
updates the state under one lock and publishes, before returning, the signals of the
scopes whose value, source or reason changed (PART2-005: no value without its source).
The heartbeat republishes every scope so consumers can tell fresh from stale.
Holding the lock across the publish keeps the signals of one scope in order.

A restart loses nothing accepted: each signal carries its scope's override and firing
alerts, and `restore` rebuilds the state from the newest signal per scope read back
from the compacted topic. Until then nothing is published (a baseline published
before the restore would overwrite the state to restore) and changes are refused as
retryable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from govmesh.health import metrics
from govmesh.health.domain import (
    AlertmanagerPayload,
    AlertMapping,
    Assessment,
    HealthState,
    Ignored,
    Override,
    Snapshot,
    changed_scopes,
    map_alert,
    metric_code,
    signal_for,
    snapshot_all,
)
from govmesh.health.domain.mapping import Observation
from govmesh.health.domain.restore import restore as restore_state
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import HealthSignal

Clock = Callable[[], datetime]
Publish = Callable[[Sequence[HealthSignal]], Awaitable[None]]


@dataclass(frozen=True)
class WebhookOutcome:
    """What one notification did: observations in order and the scopes republished."""

    observations: tuple[Observation, ...]
    published: tuple[str, ...]
    truncated_alerts: int = 0

    @property
    def ignored(self) -> tuple[Ignored, ...]:
        return tuple(o for o in self.observations if isinstance(o, Ignored))


@dataclass
class HealthService:
    """State, last published values and the publish port; see the module docstring."""

    mapping: AlertMapping
    heartbeat: timedelta
    override_max: timedelta
    clock: Clock
    publish: Publish
    state: HealthState = field(default_factory=HealthState)
    published: dict[str, Snapshot] = field(default_factory=dict)
    signals: dict[str, HealthSignal] = field(default_factory=dict)
    restored: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def receive(self, payload: AlertmanagerPayload) -> WebhookOutcome:
        """Apply an Alertmanager notification and publish what changed."""
        observations = tuple(map_alert(alert, self.mapping) for alert in payload.alerts)
        self._require_restored()
        async with self._lock:
            now = self.clock()
            for alert, observation in zip(payload.alerts, observations, strict=True):
                self.state = self.state.observe(observation, now)
                outcome = "ignored" if isinstance(observation, Ignored) else "applied"
                metrics.ALERTS_RECEIVED.labels(alert.status, outcome).inc()
            published = await self._publish_changes(now)
        return WebhookOutcome(observations, published, payload.truncated_alerts)

    async def set_override(self, override: Override) -> Assessment:
        """Record an override and publish its scope at once."""
        self._require_restored()
        async with self._lock:
            self.state = self.state.with_override(override)
            now = self.clock()
            await self._publish_changes(now)
            return self.state.assess(override.scope, now)

    async def clear_override(self, scope: str) -> Assessment | None:
        """Remove a scope's override; None when it had none (or it had expired)."""
        self._require_restored()
        async with self._lock:
            now = self.clock()
            self.state = self.state.expire(now)
            if scope not in self.state.overrides:
                return None
            self.state = self.state.without_override(scope)
            await self._publish_changes(now)
            return self.state.assess(scope, now)

    async def observe_scopes(self, names: Iterable[str]) -> None:
        """Scopes seen on `registry.state`: published from now on (HEALTHY baseline)."""
        async with self._lock:
            before = self.state
            self.state = self.state.with_scopes(names)
            if self.state != before and self.restored.is_set():
                await self._publish_changes(self.clock())

    async def restore(self, signals: Iterable[HealthSignal]) -> None:
        """Rebuild the state from the service's own signals, read back from the start of
        the compacted topic; scopes already observed are kept. Publishes nothing: the
        heartbeat's first round, started after this, publishes every scope."""
        async with self._lock:
            if self.restored.is_set():
                return
            now = self.clock()
            self.state = restore_state(signals, now).with_scopes(self.state.known)
            self.restored.set()

    async def publish_changes(self) -> tuple[str, ...]:
        """Publish scopes whose value changed (an override expired, for instance)."""
        self._require_restored()
        async with self._lock:
            return await self._publish_changes(self.clock())

    async def beat(self) -> None:
        """Heartbeat: republish every scope with a fresh `valid_until`."""
        self._require_restored()
        async with self._lock:
            now = self.clock()
            self.state = self.state.expire(now)
            current = snapshot_all(self.state, now)
            await self._send(current, tuple(current), now, "heartbeat")
        self.started.set()

    def view(self) -> list[dict[str, object]]:
        """Every scope's current value with its source, alerts, override and last signal."""
        now = self.clock()
        state = self.state.expire(now)
        rows: list[dict[str, object]] = []
        for scope in state.scopes():
            assessment = state.assess(scope, now)
            override = state.overrides.get(scope)
            last = self.signals.get(scope)
            rows.append(
                {
                    "scope": scope,
                    "status": assessment.status.value,
                    "source": assessment.source,
                    "reason": assessment.reason,
                    "alerts": [
                        {
                            "fingerprint": a.fingerprint,
                            "alertname": a.alertname,
                            "status": a.status.value,
                            "severity": a.severity,
                            "summary": a.summary,
                            "starts_at": a.starts_at.isoformat(),
                            "received_at": a.received_at.isoformat(),
                        }
                        for a in state.firing(scope)
                    ],
                    "override": None
                    if override is None
                    else {
                        "status": override.status.value,
                        "reason": override.reason,
                        "operator": override.operator,
                        "set_at": override.set_at.isoformat(),
                        "expires_at": override.expires_at.isoformat(),
                    },
                    "observed_at": last.observed_at.isoformat() if last else None,
                    "valid_until": last.valid_until.isoformat() if last else None,
                }
            )
        return rows

    def next_expiry(self) -> datetime | None:
        return self.state.next_expiry(self.clock())

    def _require_restored(self) -> None:
        if not self.restored.is_set():
            raise RetryableError("health state is not restored from health.signals yet")

    async def _publish_changes(self, now: datetime) -> tuple[str, ...]:
        self.state = self.state.expire(now)
        current = snapshot_all(self.state, now)
        scopes = changed_scopes(self.published, current)
        await self._send(current, scopes, now, "change")
        return scopes

    async def _send(
        self, current: dict[str, Snapshot], scopes: tuple[str, ...], now: datetime, trigger: str
    ) -> None:
        if not scopes:
            return
        signals = [
            signal_for(
                s,
                current[s].assessment,
                now,
                self.heartbeat,
                override=current[s].override,
                alerts=current[s].alerts,
            )
            for s in scopes
        ]
        await self.publish(signals)
        for signal in signals:
            self.published[signal.scope] = current[signal.scope]
            self.signals[signal.scope] = signal
            metrics.STATUS.labels(signal.scope).set(metric_code(signal.status))
        metrics.SIGNALS.labels(trigger).inc(len(signals))

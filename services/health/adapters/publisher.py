"""Signals onto `health.signals` (key = scope), signed as the health principal."""

from __future__ import annotations

from collections.abc import Sequence

from govmesh.mesh.codec import make_envelope
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import Outgoing
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.schemas import HealthSignal

SIGNALS_TOPIC = "health.signals"


class SignalPublisher:
    """The service layer's publish port on the mesh producer (acks awaited)."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime

    async def __call__(self, signals: Sequence[HealthSignal]) -> None:
        outgoing = [
            Outgoing(
                SIGNALS_TOPIC,
                signal.scope,
                make_envelope(
                    signal,
                    self._runtime.signer,
                    # Same observation, same id: a re-sent signal is dropped by inboxes.
                    event_id=deterministic_id(
                        SIGNALS_TOPIC,
                        signal.scope,
                        signal.observed_at.isoformat(),
                        signal.status.value,
                        signal.source,
                        signal.reason,
                    ),
                    produced_at=signal.observed_at,
                ),
            )
            for signal in signals
        ]
        await self._runtime.producer.send_many(outgoing)

"""Publishing founder decisions and governance signals through the runtime's producer.

`MeshProducer` sends with acks=all and waits for every ack, so a returned call means the
message is durably on the topic; a broker failure or timeout becomes `RetryableError`.
"""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

from aiokafka.errors import KafkaError

from govmesh.mesh.errors import RetryableError
from govmesh.mesh.kafka import Outgoing
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.schemas import FounderDecision, GovernanceSignal

DECISIONS = "founder.decisions"
SIGNALS = "governance.signals"
PUBLISH_TIMEOUT_S = 20.0


def signal_key(signal: GovernanceSignal) -> str:
    """`governance.signals` is compacted by scope + type (topic registry key "scope+type")."""
    return f"{signal.scope}+{signal.signal_type.value}"


class MeshPublisher:
    """The console's only way out: signed envelopes on its two topics."""

    def __init__(self, runtime: ServiceRuntime, timeout_s: float = PUBLISH_TIMEOUT_S) -> None:
        self._runtime = runtime
        self._timeout_s = timeout_s

    async def decision(self, decision: FounderDecision, correlation_id: UUID | None) -> None:
        """Publish on `founder.decisions`, key contract_id, event id = decision id."""
        envelope = self._runtime.envelope(
            decision, event_id=decision.decision_id, correlation_id=correlation_id
        )
        await self._send(Outgoing(DECISIONS, str(decision.contract_id), envelope))

    async def signal(self, signal: GovernanceSignal) -> UUID:
        """Publish on `governance.signals`, key scope+type; returns the event id."""
        event_id = uuid4()
        envelope = self._runtime.envelope(signal, event_id=event_id)
        await self._send(Outgoing(SIGNALS, signal_key(signal), envelope))
        return event_id

    async def _send(self, item: Outgoing) -> None:
        try:
            await asyncio.wait_for(self._runtime.producer.send(item), self._timeout_s)
        except (KafkaError, TimeoutError) as exc:
            raise RetryableError(f"publishing to {item.topic} failed: {exc!r}") from exc

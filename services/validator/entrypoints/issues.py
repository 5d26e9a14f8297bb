"""Issues in, advisory verdicts out (SPEC §3): one verdict per issue or revision.

The verdict's event id is derived from the input event id and the validator
version, and the analysis time is the input's production time, so a redelivered
issue yields the identical message and downstream inboxes drop it (VAL-001).
"""

from __future__ import annotations

import asyncio
import time

from govmesh.mesh.codec import Delivery
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import BatchHandler, Outgoing
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.schemas import IssueAccepted, IssueRevised, ProposalValidated
from govmesh.validator.adapters.registry_view import RegistryView
from govmesh.validator.domain import validate
from govmesh.validator.domain.version import VALIDATOR_VERSION
from govmesh.validator.entrypoints.metrics import VALIDATION_MS

VERDICTS = "proposals.validated"


def verdict_for(delivery: Delivery, view: RegistryView) -> ProposalValidated:
    message = delivery.message
    now = delivery.envelope.produced_at
    if isinstance(message, IssueRevised):
        verdict = validate(
            message.event, view.snapshot, now, proposed_override=list(message.proposed_changes)
        )
        return ProposalValidated(
            issue_id=message.issue_id,
            event=message.event,
            verdict=verdict,
            contract_id=message.contract_id,
            parent_contract_id=message.parent_contract_id,
        )
    assert isinstance(message, IssueAccepted)
    verdict = validate(message.event, view.snapshot, now)
    return ProposalValidated(issue_id=message.issue_id, event=message.event, verdict=verdict)


def issue_handler(
    runtime: ServiceRuntime, view: RegistryView, ready: asyncio.Event
) -> BatchHandler:
    """Batch handler: wait for the registry view, judge each issue, publish, then commit."""

    async def handle(batch: list[Delivery]) -> None:
        await ready.wait()
        outgoing = []
        for delivery in batch:
            started = time.perf_counter()
            proposal = verdict_for(delivery, view)
            VALIDATION_MS.observe((time.perf_counter() - started) * 1000)
            envelope = runtime.envelope(
                proposal,
                cause=delivery.envelope,
                event_id=deterministic_id(delivery.envelope.event_id, VALIDATOR_VERSION),
                correlation_id=proposal.issue_id,
            )
            outgoing.append(Outgoing(VERDICTS, str(proposal.issue_id), envelope))
        await runtime.producer.send_many(outgoing)

    return handle

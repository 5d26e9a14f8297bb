"""`jobs.events` messages (key contract_id) with deterministic ids.

A resumed job re-derives the same event ids (job id + what happened), so an event written
again after a crash is dropped by the outbox's unique event id and by every inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govmesh.mesh.codec import make_envelope
from govmesh.mesh.ids import deterministic_id
from govmesh.mesh.kafka import Outgoing
from govmesh.mesh.signing import Signer
from govmesh.schemas import Envelope, JobEvent, JobEventKind, JobRequested, JobStatus

EVENTS_TOPIC = "jobs.events"


def job_event(
    signer: Signer,
    request: JobRequested,
    event: JobEventKind,
    status: JobStatus,
    at: datetime,
    *,
    label: str,
    cause: Envelope | None,
    **fields: Any,
) -> Outgoing:
    """One JobEvent for `request`; `label` makes its id unique within the job."""
    message = JobEvent(
        job_id=request.job_id,
        contract_id=request.contract_id,
        kind=request.kind,
        event=event,
        status=status,
        at=at,
        rolls_back_job_id=request.rolls_back_job_id,
        **fields,
    )
    envelope = make_envelope(
        message,
        signer,
        event_id=deterministic_id(EVENTS_TOPIC, request.job_id, label),
        cause=cause,
        produced_at=at,
    )
    return Outgoing(EVENTS_TOPIC, str(request.contract_id), envelope)

"""A batch handler passes over deliveries that cannot change anything, without a transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govmesh.contracts.entrypoints.outcome_consumers import changes_state
from govmesh.mesh.codec import Delivery, make_envelope
from govmesh.mesh.db import Transactional
from govmesh.mesh.signing import Signer, generate_keys
from govmesh.schemas import JobEvent, JobEventKind, Principal

pytestmark = pytest.mark.unit

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden" / "JobEvent.json"


class _NoEngine:
    """Fails the test if a transaction is opened."""

    def begin(self) -> Any:
        raise AssertionError("a transaction was opened")


def _delivery(tmp_path: Path, kind: JobEventKind) -> Delivery:
    generate_keys(tmp_path)
    event = JobEvent.model_validate_json(GOLDEN.read_text()).model_copy(update={"event": kind})
    envelope = make_envelope(event, Signer.load(tmp_path, Principal.EXECUTOR))
    return Delivery("jobs.events", 0, 0, None, envelope, event)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (JobEventKind.FINISHED, True),
        (JobEventKind.CANCELLED, True),
        (JobEventKind.STARTED, False),
        (JobEventKind.STEP, False),
    ],
)
def test_only_a_finished_or_cancelled_job_event_changes_a_contract(
    tmp_path: Path, kind: JobEventKind, expected: bool
) -> None:
    assert changes_state(_delivery(tmp_path, kind)) is expected


async def test_a_batch_of_nothing_relevant_opens_no_transaction(tmp_path: Path) -> None:
    calls: list[int] = []

    async def handler(*_: Any) -> None:
        calls.append(1)

    transactional = Transactional(_NoEngine(), handler, relevant=changes_state)  # type: ignore[arg-type]
    await transactional([_delivery(tmp_path, JobEventKind.STEP)])
    assert calls == []

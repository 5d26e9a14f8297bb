"""Idempotency keys for side-effecting steps (SPEC §11).

A resumed executor re-runs an in-flight step with the same key, so an adapter that saw
it before (registry upsert, webhook `Idempotency-Key`) does the work once. The namespace
and the name layout are frozen: changing either would make every in-flight step run twice.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

STEP_KEY_NAMESPACE = UUID("6f1d7f53-2c0e-4d55-9a3e-5b7c8f0e2a41")


class AttemptKind(StrEnum):
    """Why a step's side effect runs: the forward change or its compensation (JOB-003)."""

    APPLY = "apply"
    COMPENSATE = "compensate"


def step_idempotency_key(job_id: UUID, step_number: int, attempt_kind: AttemptKind) -> UUID:
    """Deterministic UUIDv5 for one step's side effect; identical on every retry and replica."""
    if step_number < 1:
        raise ValueError(f"step_number starts at 1, got {step_number}")
    return uuid5(STEP_KEY_NAMESPACE, f"{job_id}:{step_number}:{attempt_kind.value}")

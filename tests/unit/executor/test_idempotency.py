"""Step idempotency keys are deterministic UUIDv5 values (SPEC §11)."""

from __future__ import annotations

from uuid import UUID

import pytest

from govmesh.executor.domain.idempotency import AttemptKind, step_idempotency_key

pytestmark = pytest.mark.unit

JOB = UUID("11111111-2222-3333-4444-555555555555")


def test_same_inputs_give_the_same_key() -> None:
    first = step_idempotency_key(JOB, 2, AttemptKind.APPLY)
    assert first == step_idempotency_key(JOB, 2, AttemptKind.APPLY)
    assert first.version == 5


def test_key_is_frozen_across_releases() -> None:
    # Golden value: if it changes, every in-flight step would run twice after an upgrade.
    key = step_idempotency_key(JOB, 1, AttemptKind.APPLY)
    assert key == UUID("9fddd076-a84d-5a1a-aeb9-34db76711e0b")


def test_keys_differ_by_job_step_and_kind() -> None:
    other = UUID("11111111-2222-3333-4444-555555555556")
    keys = {
        step_idempotency_key(JOB, 1, AttemptKind.APPLY),
        step_idempotency_key(JOB, 2, AttemptKind.APPLY),
        step_idempotency_key(JOB, 1, AttemptKind.COMPENSATE),
        step_idempotency_key(other, 1, AttemptKind.APPLY),
    }
    assert len(keys) == 4


def test_step_number_starts_at_one() -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        step_idempotency_key(JOB, 0, AttemptKind.APPLY)

"""The executor's automatic rollback has the id the contract authority derives (JOB-003)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from govmesh.contracts.domain.ids import rollback_job_id as contracts_rollback_job_id
from govmesh.executor.domain.ids import rollback_job_id

pytestmark = pytest.mark.unit


def test_JOB_003_rollback_job_id_agrees_with_the_contract_authority() -> None:
    for _ in range(20):
        job_id = uuid4()
        assert rollback_job_id(job_id) == contracts_rollback_job_id(job_id)
    first = uuid4()
    assert rollback_job_id(first) != rollback_job_id(uuid4())

"""Deterministic job ids shared with the contract authority (ARCHITECTURE: delivery).

The executor starts a failed job's rollback itself (JOB-003: automatically). It uses the
same id the contract authority derives for that rollback (`rollback_job_id` there:
UUIDv5 in the `urn:govmesh:contracts:rollback-job` namespace), so when contracts
requests the rollback too, the executor's admission sees a DUPLICATE, never a second
rollback. The formula is a cross-service agreement: never change it on one side only.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

_ROLLBACK_NS = uuid5(NAMESPACE_URL, "urn:govmesh:contracts:rollback-job")


def rollback_job_id(job_id: UUID) -> UUID:
    """The one rollback job of an execution job (JOB-003)."""
    return uuid5(_ROLLBACK_NS, str(job_id))

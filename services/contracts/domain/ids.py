"""Deterministic identifiers: a redelivered input produces the same ids (ARCHITECTURE: delivery).

UUIDv5 over the ids they derive from, so a re-run emits the same contract, job or
revision and downstream inboxes drop the repeat. One execution job per contract follows
from the job id being a function of the contract id (SM-006).
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

_CONTRACT_NS = uuid5(NAMESPACE_URL, "urn:govmesh:contracts:contract")
_JOB_NS = uuid5(NAMESPACE_URL, "urn:govmesh:contracts:job")
_ROLLBACK_NS = uuid5(NAMESPACE_URL, "urn:govmesh:contracts:rollback-job")
_REVISION_NS = uuid5(NAMESPACE_URL, "urn:govmesh:contracts:revision")


def contract_id_for(issue_id: UUID) -> UUID:
    """The id of the first contract for an issue (a revision carries its own id)."""
    return uuid5(_CONTRACT_NS, str(issue_id))


def execution_job_id(contract_id: UUID) -> UUID:
    """The one execution job of a contract (SM-006)."""
    return uuid5(_JOB_NS, str(contract_id))


def rollback_job_id(job_id: UUID) -> UUID:
    """The one rollback job of an execution job (JOB-003)."""
    return uuid5(_ROLLBACK_NS, str(job_id))


def revision_contract_id(contract_id: UUID, decision_id: UUID) -> UUID:
    """The contract a MODIFY_SCOPE decision creates (REVIEW-005)."""
    return uuid5(_REVISION_NS, f"{contract_id}/{decision_id}")

"""Step 4: a contract from each assessed proposal (SPEC §5, E-006 claims, VAL-005 notice).

The eligibility verdict alone decides ELIGIBLE or REJECTED (`create_from_assessment`);
the database then decides E-006 under concurrency: an eligible contract must claim
every affected capability, and if an open contract already holds one it is stored
REJECTED naming E-006 and the holder instead. A revision (MODIFY_SCOPE) already
exists at DRAFT and is advanced in place (`assess_revision`).
"""

from __future__ import annotations

from uuid import UUID

import structlog

from govmesh.contracts.adapters.messages import FOUNDERS
from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.domain import (
    assess_revision,
    contract_id_for,
    create_from_assessment,
    needs_escalation_notice,
)
from govmesh.contracts.service_layer.deps import Deps
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    Envelope,
    NotificationKind,
    ProposalAssessed,
    Transition,
)

log = structlog.get_logger(__name__)

S = ContractStatus
VAL_005 = "VAL-005"


async def receive_assessment(
    repo: ContractRepository, assessed: ProposalAssessed, deps: Deps, cause: Envelope
) -> ContractSnapshot | None:
    """Create (or, for a revision, advance) the contract; None when it was already done."""
    now = deps.clock()
    contract_id = assessed.contract_id or contract_id_for(assessed.issue_id)
    existing = await repo.load_for_update(contract_id)
    if existing is not None and existing.status != S.DRAFT:
        # A second assessment of a contract already past intake (e.g. eligibility re-run
        # with a new event id): the first one decided; nothing changes.
        log.info("contracts.assessment_ignored", contract_id=str(contract_id))
        return None

    def build(holder: UUID | None) -> tuple[ContractSnapshot, list[Transition]]:
        if existing is not None:
            return assess_revision(
                existing, assessed, now, causation_id=cause.event_id, duplicate_of=holder
            )
        return create_from_assessment(
            assessed,
            contract_id,
            now,
            deps.ttl,
            causation_id=cause.event_id,
            duplicate_of=holder,
        )

    contract, history = build(None)
    if contract.status == S.ELIGIBLE:
        holder = await repo.claim_capabilities(contract_id, contract.affected_capabilities, now)
        if holder is not None:
            contract, history = build(holder)
    if existing is None:
        await repo.create(contract, history, event=assessed.event, cause=cause)
    else:
        await repo.apply(existing, contract, history, cause=cause)
    if needs_escalation_notice(assessed):
        repo.send(
            deps.publisher.notification(
                contract.contract_id,
                contract.issue_id,
                NotificationKind.ESCALATION,
                audience=FOUNDERS,
                message=(
                    f"Escalation ({assessed.verdict.issue_type.value},"
                    f" {assessed.verdict.severity.value}): {contract.title}"
                    f" — contract {contract.status.value}: {contract.status_reason}"
                ),
                at=now,
                dedup=cause.event_id,
                rule=VAL_005,
                cause=cause,
            )
        )
    return contract

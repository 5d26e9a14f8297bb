"""Contracts' answer to the founder for a decision refused or recorded without a status change.

A lifecycle event shows a decision that moved the contract; these do not move it, so the
founder (and the console that submitted the decision) hears of them on `notifications`:
DECISION_REFUSED naming the rule, or DECISION_RECORDED. Both name the decision.
"""

from __future__ import annotations

from govmesh.contracts.domain import ReviewRecord, ReviewResult
from govmesh.contracts.service_layer.deps import Deps
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import ContractSnapshot, Envelope, FounderDecision, NotificationKind


def founder_answer(
    decision: FounderDecision,
    contract: ContractSnapshot | None,
    deps: Deps,
    record: ReviewRecord,
    cause: Envelope,
) -> Outgoing:
    """The founder's answer for a refused or a recorded decision, naming the decision."""
    refused = record.result is ReviewResult.REFUSED
    kind = NotificationKind.DECISION_REFUSED if refused else NotificationKind.DECISION_RECORDED
    outcome = f"refused ({record.rule})" if refused else "recorded"
    return deps.publisher.notification(
        decision.contract_id,
        contract.issue_id if contract else None,
        kind,
        audience=decision.founder,
        message=f"{decision.action.value} {outcome}: {record.message}",
        at=record.recorded_at,
        dedup=decision.decision_id,
        rule=record.rule,
        decision_id=decision.decision_id,
        cause=cause,
    )

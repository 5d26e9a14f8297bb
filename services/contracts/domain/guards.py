"""Invariants every stored contract must satisfy in a given status (SPEC §5, §10).

Each guard is written twice, side by side: as a Python predicate for `machine` and as
the SQL condition that the database trigger refuses. Keeping both in one table is what
keeps the code and the trigger from drifting apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.errors import ContractRuleViolation
from govmesh.schemas import ContractSnapshot, ContractStatus, ProposedChanges
from govmesh.schemas.contracts import AuditState

S = ContractStatus

_CHANGES: TypeAdapter[ProposedChanges] = TypeAdapter(ProposedChanges)

#: Statuses whose contract must say what it changes: eligibility already required it.
CHANGES_REQUIRED: frozenset[ContractStatus] = frozenset(
    {S.ELIGIBLE, S.APPROVED, S.ACTIVE, S.COMPLETED}
)


@dataclass(frozen=True)
class StatusGuard:
    """`holds(contract)` must be true for every contract stored in one of `statuses`.

    `sql_violation` is a boolean SQL expression over `NEW` that is TRUE when the guard
    is violated; None when only the code can check it (schema validation of JSON).
    """

    rule: str
    statuses: frozenset[ContractStatus]
    requirement: str
    holds: Callable[[ContractSnapshot], bool]
    sql_violation: str | None
    related: tuple[str, ...] = ()


def changes_schema_valid(contract: ContractSnapshot) -> bool:
    """CONTRACT-006: `proposed_changes`, when present, passes its schema.

    Re-checked because a snapshot read back from storage or built with `model_copy`
    has not been through validation.
    """
    if contract.proposed_changes is None:
        return True
    try:
        _CHANGES.validate_python(list(contract.proposed_changes))
    except (ValidationError, TypeError):
        return False
    return True


def confidence_in_range(contract: ContractSnapshot) -> bool:
    """CONTRACT-007: a real number in [0, 1] (NaN and booleans are refused)."""
    value: object = contract.confidence_score
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not math.isnan(value) and 0.0 <= value <= 1.0


def _approved_by_present(contract: ContractSnapshot) -> bool:
    return any(isinstance(name, str) and name.strip() for name in contract.approved_by or [])


STATUS_GUARDS: tuple[StatusGuard, ...] = (
    StatusGuard(
        rule=rules.CONTRACT_002,
        statuses=frozenset({S.APPROVED, S.ACTIVE, S.COMPLETED}),
        requirement="an approved contract names who approved it (approved_by)",
        holds=_approved_by_present,
        # Cast to text so the same check works for a text[] ('{}') or jsonb ('[]') column.
        sql_violation="coalesce(NEW.approved_by::text, '') IN ('', '{}', '[]', 'null')",
    ),
    StatusGuard(
        rule=rules.CONTRACT_003,
        statuses=frozenset({S.ACTIVE, S.COMPLETED}),
        requirement="an active contract has its job (job_id)",
        holds=lambda c: c.job_id is not None,
        sql_violation="NEW.job_id IS NULL",
        related=(rules.SM_006,),
    ),
    StatusGuard(
        rule=rules.CONTRACT_004,
        statuses=frozenset({S.COMPLETED}),
        requirement="a completed contract has audit verdict PASS",
        holds=lambda c: c.audit_verdict == AuditState.PASS,
        sql_violation="NEW.audit_verdict IS DISTINCT FROM 'PASS'",
        related=(rules.SM_003,),
    ),
    StatusGuard(
        rule=rules.AUDIT_004,
        statuses=frozenset({S.FAILED}),
        requirement="a contract whose audit passed cannot fail (a PASS is never revoked)",
        holds=lambda c: c.audit_verdict != AuditState.PASS,
        sql_violation="NEW.audit_verdict = 'PASS'",
    ),
    StatusGuard(
        rule=rules.CONTRACT_006,
        statuses=frozenset(ContractStatus),
        requirement="proposed_changes, when present, are schema-valid",
        holds=changes_schema_valid,
        sql_violation=None,
    ),
    StatusGuard(
        rule=rules.CONTRACT_006,
        statuses=CHANGES_REQUIRED,
        requirement="an eligible or later contract has proposed_changes",
        holds=lambda c: c.proposed_changes is not None,
        sql_violation=None,
    ),
    StatusGuard(
        rule=rules.CONTRACT_007,
        statuses=frozenset(ContractStatus),
        requirement="confidence_score is within [0, 1]",
        holds=confidence_in_range,
        sql_violation=(
            "NEW.confidence_score IS NULL OR NEW.confidence_score < 0 OR NEW.confidence_score > 1"
        ),
    ),
)


def check_status_guards(contract: ContractSnapshot) -> None:
    """Raise `ContractRuleViolation` for the first guard `contract` violates in its status."""
    for guard in STATUS_GUARDS:
        if contract.status in guard.statuses and not guard.holds(contract):
            raise ContractRuleViolation(
                guard.rule,
                f"{contract.status.value} requires that {guard.requirement}",
                related=guard.related,
            )

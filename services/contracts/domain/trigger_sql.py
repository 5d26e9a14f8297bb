"""PostgreSQL DDL enforcing the contract state machine in the database (CONTRACT-001).

Generated from `states.TRANSITIONS`, `states.TERMINAL`, `states.INTAKE_STATES` and the
SQL side of `guards.STATUS_GUARDS`, so the trigger cannot drift from the code. The
output is meant to be pasted into (or called from) an Alembic migration; it is
idempotent (CREATE OR REPLACE, DROP TRIGGER IF EXISTS).

The trigger refuses, with RAISE EXCEPTION naming the rule (SQLSTATE check_violation):
- INSERT of a status a new contract cannot have (only intake statuses) — CONTRACT-001;
- UPDATE or DELETE of a terminal row — CONTRACT-005;
- UPDATE changing status along a pair not in the table — CONTRACT-001 (same-status
  updates of non-terminal rows are allowed);
- UPDATE replacing a recorded PASS or FAIL audit verdict — AUDIT-004;
- any row violating a status guard: APPROVED/ACTIVE/COMPLETED without approved_by
  (CONTRACT-002), ACTIVE/COMPLETED without job_id (CONTRACT-003), COMPLETED without
  audit PASS (CONTRACT-004), FAILED with audit PASS (AUDIT-004), confidence outside
  [0, 1] (CONTRACT-007).
Schema validity of proposed_changes (CONTRACT-006) stays in code.
"""

from __future__ import annotations

import re

from govmesh.contracts.domain import rules
from govmesh.contracts.domain.guards import STATUS_GUARDS
from govmesh.contracts.domain.states import ALLOWED_PAIRS, INTAKE_STATES, TERMINAL
from govmesh.schemas import ContractStatus

#: Columns of the contracts table the trigger reads. `approved_by` may be text[] or jsonb.
TRIGGER_COLUMNS: tuple[str, ...] = (
    "contract_id",
    "status",
    "audit_verdict",
    "approved_by",
    "job_id",
    "confidence_score",
)

FUNCTION_NAME = "contracts_enforce_state_machine"
TRIGGER_NAME = "contracts_state_machine"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def trigger_sql(schema: str, table: str = "contracts") -> str:
    """DDL for the plpgsql trigger function and the BEFORE INSERT/UPDATE/DELETE trigger."""
    qualified_table = f"{_ident(schema)}.{_ident(table)}"
    function = f"{_ident(schema)}.{_ident(FUNCTION_NAME)}"
    return f"""\
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $govmesh$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ({_list(TERMINAL)}) THEN
            RAISE EXCEPTION '{rules.CONTRACT_005}: contract % is % (terminal); it is never deleted',
                OLD.contract_id, OLD.status USING ERRCODE = 'check_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.status IS NULL OR NEW.status NOT IN ({_list(INTAKE_STATES)}) THEN
            RAISE EXCEPTION '{rules.CONTRACT_001}: a contract cannot be created as %',
                NEW.status USING ERRCODE = 'check_violation';
        END IF;
    ELSE
        IF OLD.status IN ({_list(TERMINAL)}) THEN
            RAISE EXCEPTION '{rules.CONTRACT_005}: contract % is % (terminal) and never changes',
                OLD.contract_id, OLD.status USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status IS DISTINCT FROM OLD.status AND NOT ((OLD.status, NEW.status) IN (
{_pairs()}
        )) THEN
            RAISE EXCEPTION '{rules.CONTRACT_001}: transition % -> % is not allowed',
                OLD.status, NEW.status USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.audit_verdict IN ('PASS', 'FAIL')
                AND NEW.audit_verdict IS DISTINCT FROM OLD.audit_verdict THEN
            RAISE EXCEPTION '{rules.AUDIT_004}: audit verdict % of contract % is immutable',
                OLD.audit_verdict, OLD.contract_id USING ERRCODE = 'check_violation';
        END IF;
    END IF;
{_guards()}
    RETURN NEW;
END;
$govmesh$;

DROP TRIGGER IF EXISTS {_ident(TRIGGER_NAME)} ON {qualified_table};
CREATE TRIGGER {_ident(TRIGGER_NAME)}
    BEFORE INSERT OR UPDATE OR DELETE ON {qualified_table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def drop_trigger_sql(schema: str, table: str = "contracts") -> str:
    """DDL removing what `trigger_sql` creates (for a migration's downgrade)."""
    return (
        f"DROP TRIGGER IF EXISTS {_ident(TRIGGER_NAME)} ON {_ident(schema)}.{_ident(table)};\n"
        f"DROP FUNCTION IF EXISTS {_ident(schema)}.{_ident(FUNCTION_NAME)}();\n"
    )


def sql_pair(source: ContractStatus, target: ContractStatus) -> str:
    """How an allowed (from, to) pair is written in the trigger's IN list."""
    return f"({_literal(source)}, {_literal(target)})"


def _pairs() -> str:
    ordered = sorted(ALLOWED_PAIRS, key=lambda p: (_ORDER[p[0]], _ORDER[p[1]]))
    return ",\n".join(f"            {sql_pair(source, target)}" for source, target in ordered)


def _guards() -> str:
    blocks: list[str] = []
    for guard in STATUS_GUARDS:
        if guard.sql_violation is None:
            continue
        message = f"{guard.rule}: contract % in status % requires that {_escape(guard.requirement)}"
        blocks.append(
            f"""\
    IF NEW.status IN ({_list(guard.statuses)}) AND ({guard.sql_violation}) THEN
        RAISE EXCEPTION '{message}',
            NEW.contract_id, NEW.status USING ERRCODE = 'check_violation';
    END IF;"""
        )
    return "\n".join(blocks)


_ORDER = {status: index for index, status in enumerate(ContractStatus)}


def _list(statuses: frozenset[ContractStatus]) -> str:
    return ", ".join(_literal(s) for s in sorted(statuses, key=lambda s: _ORDER[s]))


def _literal(status: ContractStatus) -> str:
    return f"'{status.value}'"


def _escape(text: str) -> str:
    """Make text safe inside a RAISE format literal: quotes doubled, % written as %%."""
    return text.replace("'", "''").replace("%", "%%")


def _ident(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain lower-case SQL identifier: {name!r}")
    return f'"{name}"'

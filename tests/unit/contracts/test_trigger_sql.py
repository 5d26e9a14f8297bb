"""The database trigger is generated from the same table as the code (CONTRACT-001)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from govmesh.contracts.domain import ALLOWED_PAIRS, TERMINAL, drop_trigger_sql, trigger_sql
from govmesh.contracts.domain.guards import STATUS_GUARDS
from govmesh.contracts.domain.trigger_sql import sql_pair
from govmesh.schemas import ContractStatus

pytestmark = pytest.mark.unit

S = ContractStatus
SQL = trigger_sql("contracts")


def _pairs_in(sql: str) -> set[tuple[str, str]]:
    """The pairs of the trigger's (OLD.status, NEW.status) IN (...) list."""
    block = sql.split("(OLD.status, NEW.status) IN (", 1)[1].split(")) THEN", 1)[0]
    return set(re.findall(r"\('([A-Z]+)', '([A-Z]+)'\)", block))


def test_CONTRACT001_every_allowed_pair_appears_in_the_trigger() -> None:
    for source, target in ALLOWED_PAIRS:
        assert sql_pair(source, target) in SQL


def test_CONTRACT001_the_trigger_lists_exactly_the_allowed_pairs() -> None:
    assert _pairs_in(SQL) == {(a.value, b.value) for a, b in ALLOWED_PAIRS}


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.DRAFT, S.APPROVED),
        (S.ELIGIBLE, S.ACTIVE),
        (S.APPROVED, S.COMPLETED),
        (S.COMPLETED, S.FAILED),
    ],
)
def test_CONTRACT001_forbidden_pairs_do_not_appear(
    source: ContractStatus, target: ContractStatus
) -> None:
    assert sql_pair(source, target) not in SQL


def test_CONTRACT005_terminal_rows_are_refused_on_update_and_delete() -> None:
    terminal = ", ".join(f"'{s.value}'" for s in ContractStatus if s in TERMINAL)
    assert SQL.count(f"OLD.status IN ({terminal})") == 2
    assert "CONTRACT-005" in SQL
    assert "BEFORE INSERT OR UPDATE OR DELETE" in SQL


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("CONTRACT-002", "NEW.approved_by::text"),
        ("CONTRACT-003", "NEW.job_id IS NULL"),
        ("CONTRACT-004", "NEW.audit_verdict IS DISTINCT FROM 'PASS'"),
        ("CONTRACT-007", "NEW.confidence_score > 1"),
        ("AUDIT-004", "OLD.audit_verdict IN ('PASS', 'FAIL')"),
    ],
)
def test_guards_raise_with_rule_id(rule: str, fragment: str) -> None:
    assert fragment in SQL
    assert f"RAISE EXCEPTION '{rule}:" in SQL


def test_CONTRACT004_completed_guard_names_only_completed() -> None:
    assert "IF NEW.status IN ('COMPLETED') AND (NEW.audit_verdict IS DISTINCT FROM 'PASS')" in SQL


def test_every_sql_guard_of_the_table_is_emitted() -> None:
    for guard in STATUS_GUARDS:
        if guard.sql_violation is not None:
            assert f"({guard.sql_violation})" in SQL


def test_CONTRACT001_insert_only_with_intake_statuses() -> None:
    assert "NEW.status NOT IN ('DRAFT', 'VALIDATED', 'ELIGIBLE', 'REJECTED')" in SQL


def test_schema_and_table_are_quoted_identifiers() -> None:
    sql = trigger_sql("contracts_v2", table="contract_rows")
    assert 'ON "contracts_v2"."contract_rows"' in sql
    assert 'FUNCTION "contracts_v2"."contracts_enforce_state_machine"()' in sql


@pytest.mark.parametrize("bad", ["Contracts", "a;drop", "x y", "", '"q"'])
def test_unsafe_identifiers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        trigger_sql(bad)


def test_sql_has_no_bind_parameters_for_sqlalchemy_text() -> None:
    # Alembic's op.execute wraps a string in text(); ":name" would become a bind parameter.
    assert text(SQL).compile().params == {}


def test_sql_is_balanced_and_dollar_quoted() -> None:
    assert SQL.count("$govmesh$") == 2
    assert SQL.count("(") == SQL.count(")")
    assert len(re.findall(r"\bIF\b(?! EXISTS)", SQL)) == 2 * SQL.count("END IF;")


def test_drop_sql_removes_trigger_and_function() -> None:
    drop = drop_trigger_sql("contracts")
    assert 'DROP TRIGGER IF EXISTS "contracts_state_machine" ON "contracts"."contracts";' in drop
    assert 'DROP FUNCTION IF EXISTS "contracts"."contracts_enforce_state_machine"();' in drop

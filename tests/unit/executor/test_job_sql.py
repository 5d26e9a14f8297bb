"""The generated job trigger matches the code's SPEC §7 table."""

from __future__ import annotations

import re

import pytest

from govmesh.executor.domain.job_sql import sql_trigger
from govmesh.executor.domain.job_state import TERMINAL, allowed_pairs
from govmesh.schemas import JobStatus

pytestmark = pytest.mark.unit

SQL = sql_trigger("executor")


def _values_block(sql: str) -> str:
    match = re.search(r"NOT IN \(VALUES(.*?)\)\)", sql, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_trigger_allows_exactly_the_table_pairs() -> None:
    pairs = set(re.findall(r"\('([A-Z_]+)', '([A-Z_]+)'\)", _values_block(SQL)))
    expected = {(src.value, dst.value) for src, dst in allowed_pairs()}
    assert pairs == expected


def test_trigger_freezes_exactly_the_terminal_states() -> None:
    match = re.search(r"IF OLD\.status IN \(([^)]*)\) THEN\s+RAISE EXCEPTION 'JOB-TERMINAL", SQL)
    assert match is not None
    assert set(re.findall(r"'([A-Z_]+)'", match.group(1))) == {s.value for s in TERMINAL}


def test_trigger_requires_new_jobs_to_start_pending() -> None:
    match = re.search(r"TG_OP = 'INSERT' THEN\s+IF NEW\.status IS DISTINCT FROM '([A-Z_]+)'", SQL)
    assert match is not None
    assert match.group(1) == JobStatus.PENDING.value


def test_trigger_targets_the_schema_jobs_table() -> None:
    assert "CREATE OR REPLACE FUNCTION executor.jobs_status_guard()" in SQL
    assert "BEFORE INSERT OR UPDATE ON executor.jobs" in SQL
    assert "EXECUTE FUNCTION executor.jobs_status_guard()" in SQL
    assert SQL.count("$$") == 2


def test_trigger_refuses_a_null_status() -> None:
    assert "NEW.status IS NULL OR" in SQL


@pytest.mark.parametrize("schema", ["Executor", "exec; DROP TABLE x", "", "1abc", "a-b", "a" * 64])
def test_schema_must_be_a_plain_identifier(schema: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        sql_trigger(schema)

"""The SPEC §7 job table enforced by the database: a trigger generated from the code's table.

The executor's migration installs this trigger so that the SPEC §7 job table holds even
for a write that bypasses the code. It is generated from `job_state.TRANSITIONS`, never
written by hand, so code and database cannot drift apart.
"""

from __future__ import annotations

import re

from govmesh.executor.domain.job_state import (
    INITIAL_STATUS,
    RULE_TABLE,
    RULE_TERMINAL,
    TERMINAL,
    allowed_pairs,
)
from govmesh.schemas import JobStatus

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _literal(status: JobStatus) -> str:
    return f"'{status.value}'"


def sql_trigger(schema: str) -> str:
    """PL/pgSQL for a BEFORE INSERT OR UPDATE trigger on `<schema>.jobs` (text column `status`).

    It refuses an insert that does not start at PENDING, any update of a terminal job
    (JOB-TERMINAL, whatever the column) and any status change the table does not allow
    (JOB-TABLE). `schema` must be a plain lower-case identifier; it is not quoted.
    """
    if not _IDENTIFIER.match(schema):
        raise ValueError(f"schema must be a lower-case SQL identifier, got {schema!r}")
    pairs = ",\n            ".join(
        f"({_literal(src)}, {_literal(dst)})"
        for src, dst in sorted(allowed_pairs(), key=lambda p: (p[0].value, p[1].value))
    )
    terminal = ", ".join(_literal(s) for s in sorted(TERMINAL, key=lambda s: s.value))
    return f"""\
CREATE OR REPLACE FUNCTION {schema}.jobs_status_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status IS DISTINCT FROM {_literal(INITIAL_STATUS)} THEN
            RAISE EXCEPTION '{RULE_TABLE}: a job starts {INITIAL_STATUS.value}, not %', NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.status IN ({terminal}) THEN
        RAISE EXCEPTION '{RULE_TERMINAL}: job is %, a terminal state that never changes', OLD.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status IS NULL OR (NEW.status IS DISTINCT FROM OLD.status AND (OLD.status, NEW.status)
        NOT IN (VALUES
            {pairs}
        )) THEN
        RAISE EXCEPTION '{RULE_TABLE}: job status % -> % refused', OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;

DROP TRIGGER IF EXISTS jobs_status_guard ON {schema}.jobs;
CREATE TRIGGER jobs_status_guard
    BEFORE INSERT OR UPDATE ON {schema}.jobs
    FOR EACH ROW EXECUTE FUNCTION {schema}.jobs_status_guard();
"""

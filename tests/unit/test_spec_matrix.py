"""docs/spec-matrix.md stays complete and true to the tree (SPEC §13, last gate).

Every rule, state, check and invariant ID of SPEC.md, every §2 error code and every
state of the issue, contract, job, step, audit-verdict and rollout machines must have
exactly one row in the matrix. For rows marked `done` or `domain only`, every file the
row cites must exist, every `path::name` code reference must name something defined in
that file, and every cited test function must be defined in its test file — so a rename
or a deleted test makes this fail instead of leaving the matrix silently wrong.

SPEC.md lives outside the repository (`../shared/SPEC.md`); without it this test fails:
the matrix cannot be checked against nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SPEC = Path(__file__).resolve().parents[3] / "shared" / "SPEC.md"
MATRIX = REPO / "docs" / "spec-matrix.md"

STATUSES = ("done", "domain only", "missing")

#: Rule ID prefixes SPEC.md uses. Listing them (instead of "any WORD-123") keeps
#: SHA-256, RFC-8785 and the like out; `test_spec_uses_no_unknown_id_prefix` notices a
#: new prefix so it cannot be missed silently either.
ID_PREFIXES = ("VAL", "ELIG", "E", "CONTRACT", "REVIEW", "JOB", "A", "AUDIT", "SM", "PART2", "GATE")
NOT_ID_PREFIXES = frozenset({"SHA", "RFC", "UTF", "ISO", "HTTP", "TLS"})

_PREFIX = "|".join(ID_PREFIXES)
RULE_ID = re.compile(rf"\b(?:{_PREFIX})-\d+\b")
# "PART2-001…005" and "A-001…A-007" name every ID in between.
RULE_RANGE = re.compile(rf"\b({_PREFIX})-(\d+)\s*(?:…|\.\.\.)\s*(?:\1-)?(\d+)\b")
ANY_DASHED_ID = re.compile(r"\b([A-Z][A-Z0-9]*)-\d+\b")
STATE = re.compile(r"\b[A-Z][A-Z_]{2,}\b")
CODE_TOKEN = re.compile(r"`([A-Z][A-Z_]{2,})`")

# A cited reference: `path` or `path::name` inside backticks.
REFERENCE = re.compile(r"`([A-Za-z0-9_./-]+\.[a-z]+)(?:::([A-Za-z_][A-Za-z0-9_.]*))?`")
COUNTS = re.compile(
    r"(\d+)\s+done\s*/\s*(\d+)\s+domain only\s*/\s*(\d+)\s+missing\**\s*\((\d+) rows\)"
)


def _spec_text() -> str:
    if not SPEC.is_file():
        pytest.fail(
            f"SPEC.md not found at {SPEC}: the spec matrix is checked against ../shared/SPEC.md "
            "next to the repository; check out the shared folder beside it",
            pytrace=False,
        )
    return SPEC.read_text(encoding="utf-8")


def _section(text: str, number: int) -> str:
    match = re.search(rf"^## {number}\..*?(?=^## |\Z)", text, re.M | re.S)
    assert match, f"SPEC.md has no section '## {number}.'; update the extraction in this test"
    return match.group(0)


def _between(text: str, start: str, end: str) -> str:
    begin = text.find(start)
    assert begin >= 0, f"SPEC.md no longer contains {start!r}; update the extraction in this test"
    stop = text.find(end, begin + len(start))
    return text[begin + len(start) : stop if stop >= 0 else None]


def _rule_ids(text: str) -> set[str]:
    ids = set(RULE_ID.findall(text))
    for prefix, first, last in RULE_RANGE.findall(text):
        width = len(first)
        ids.update(f"{prefix}-{n:0{width}d}" for n in range(int(first), int(last) + 1))
    return ids


def _error_codes(text: str) -> set[str]:
    paragraph = _between(_section(text, 2), "Error codes:", "\n\n")
    return set(CODE_TOKEN.findall(paragraph))


def _states(text: str) -> set[str]:
    """Namespaced states: issue:, contract:, audit:, job:, step:, rollout:."""
    found: dict[str, set[str]] = {}
    issue = _between(_section(text, 2), "**Issue lifecycle:**", "\n\n")
    found["issue"] = set(STATE.findall(issue))
    contract = _section(text, 5)
    found["contract"] = set(STATE.findall(_between(contract, "States:", ".")))
    audit = re.search(r"`audit_verdict` \(([^)]*)\)", contract)
    assert audit, "SPEC §5 no longer lists `audit_verdict` (…); update this test"
    found["audit"] = set(STATE.findall(audit.group(1)))
    job = _section(text, 7)
    found["job"] = set(STATE.findall(_between(job, "States:", ".")))
    step = re.search(r"status \(([A-Z_,\s]+)\)", job)
    assert step, "SPEC §7 no longer lists the step status (…); update this test"
    found["step"] = set(STATE.findall(step.group(1)))
    rollout = re.sub(r"\([^)]*\)", "", _section(text, 9))
    pairs = re.findall(r"\b([A-Z][A-Z_]{2,})(?=\s*→\s*([A-Z][A-Z_]{2,}))", rollout)
    found["rollout"] = {state for pair in pairs for state in pair}
    for machine, states in found.items():
        assert states, f"no {machine} states extracted from SPEC.md; update this test"
    return {f"{machine}:{state}" for machine, states in found.items() for state in states}


def spec_ids() -> set[str]:
    """Every ID the matrix must have a row for, extracted from SPEC.md."""
    text = _spec_text()
    return _rule_ids(text) | _error_codes(text) | _states(text)


@dataclass(frozen=True)
class Row:
    section: str
    id: str
    code: str
    tests: str
    status: str
    line: int

    def references(self, cell: str) -> list[tuple[str, str | None]]:
        return [(path, name or None) for path, name in REFERENCE.findall(cell)]


def matrix_rows() -> list[Row]:
    assert MATRIX.is_file(), f"{MATRIX} is missing"
    rows: list[Row] = []
    section = ""
    for number, line in enumerate(MATRIX.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not cells[0].startswith("`"):
            continue  # header, separator or another table
        rows.append(Row(section, cells[0].strip("`"), cells[2], cells[3], cells[4], number))
    return rows


def _status(row: Row) -> str:
    # The cell may carry a note after the status word: "missing — no service yet".
    for status in sorted(STATUSES, key=len, reverse=True):
        if (
            row.status == status
            or row.status.startswith(f"{status} ")
            or row.status.startswith(f"**{status}**")
        ):
            return status
    raise AssertionError(
        f"spec-matrix.md line {row.line}: status {row.status!r} is not one of {STATUSES}"
    )


def _defines(path: Path, name: str) -> bool:
    """Whether `name` (a function, class, method, constant or enum member) is in `path`."""
    leaf = name.split(".")[-1]
    name_re = re.escape(leaf)
    definition = re.compile(
        rf"^\s*(?:(?:async\s+)?def|class)\s+{name_re}\b|^\s*{name_re}\s*(?::[^=\n]+)?=(?!=)",
        re.M,
    )
    return definition.search(path.read_text(encoding="utf-8")) is not None


def test_spec_ids_are_extracted_and_exclude_non_ids() -> None:
    ids = spec_ids()
    for expected in ("E-104", "VAL-001", "PART2-005", "GATE-9", "A-007", "AUDIT-004", "SM-006",
                     "INVALID_EVENT_ID", "DUPLICATE_EVENT", "contract:SUPERSEDED",
                     "job:ROLLBACK_FAILED", "issue:VALIDATION_FAILED", "rollout:ESCALATED"):  # fmt: skip
        assert expected in ids, f"{expected} was not extracted from SPEC.md"
    assert not {i for i in ids if i.startswith(("SHA-", "RFC-", "ISO-"))}
    assert "rollout:PASS" not in ids, "audit verdicts are not rollout states"


def test_spec_uses_no_unknown_id_prefix() -> None:
    unknown = {
        prefix
        for prefix in ANY_DASHED_ID.findall(_spec_text())
        if prefix not in ID_PREFIXES and prefix not in NOT_ID_PREFIXES
    }
    assert not unknown, (
        f"SPEC.md uses ID prefixes {sorted(unknown)} this test does not know: add them to "
        "ID_PREFIXES (and rows to docs/spec-matrix.md) or to NOT_ID_PREFIXES"
    )


def test_every_spec_id_has_exactly_one_row_and_no_row_is_stale() -> None:
    rows = matrix_rows()
    seen: dict[str, int] = {}
    for row in rows:
        assert row.id not in seen, (
            f"{row.id} has two rows (lines {seen[row.id]} and {row.line}) in spec-matrix.md"
        )
        seen[row.id] = row.line
    expected = spec_ids()
    missing = sorted(expected - seen.keys())
    assert not missing, f"SPEC IDs without a row in docs/spec-matrix.md: {missing}"
    stale = sorted(seen.keys() - expected)
    assert not stale, f"rows in docs/spec-matrix.md for IDs SPEC.md no longer has: {stale}"


def test_every_row_has_a_known_status_and_the_counts_are_current() -> None:
    rows = matrix_rows()
    tally = {status: 0 for status in STATUSES}
    for row in rows:
        tally[_status(row)] += 1
    match = COUNTS.search(MATRIX.read_text(encoding="utf-8"))
    assert match, (
        "spec-matrix.md must state 'N done / N domain only / N missing (N rows)' at the top"
    )
    *per_status, total = (int(n) for n in match.groups())
    stated = dict(zip(STATUSES, per_status, strict=True))
    assert stated == tally, (
        f"the counts at the top of spec-matrix.md say {stated}, rows say {tally}"
    )
    assert total == len(rows), f"spec-matrix.md says {total} rows, it has {len(rows)}"


def test_done_and_domain_only_rows_cite_existing_code_and_tests() -> None:
    problems: list[str] = []
    for row in matrix_rows():
        if _status(row) == "missing":
            continue
        where = f"line {row.line} ({row.id})"
        code, tests = row.references(row.code), row.references(row.tests)
        if not code:
            problems.append(f"{where}: no code reference")
        if not any(name for _, name in tests):
            problems.append(f"{where}: no test function cited")
        for path, name in code + tests:
            file = REPO / path
            if not file.is_file():
                problems.append(f"{where}: {path} does not exist")
            elif name is not None and not _defines(file, name):
                problems.append(f"{where}: {path} does not define {name}")
        for path, name in tests:
            if not path.startswith("tests/"):
                problems.append(f"{where}: test reference {path} is not under tests/")
            elif name is not None and not name.split(".")[-1].startswith("test"):
                problems.append(f"{where}: {path}::{name} is not a test function")
    assert not problems, "spec-matrix.md has rotted:\n" + "\n".join(problems)

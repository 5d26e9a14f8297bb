"""The committed docs/asyncapi.yaml and docs/schemas/*.json equal freshly generated ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govmesh.schemas import TOPICS
from govmesh.schemas.asyncapi import render_yaml
from govmesh.schemas.generate import (
    ASYNCAPI_PATH,
    REGENERATE,
    SCHEMAS_DIR,
    generated_docs,
    main,
    stale_docs,
    write_docs,
)
from govmesh.schemas.jsonschema import render_json, topic_json_schema

from .support import REPO_ROOT

pytestmark = pytest.mark.unit

HINT = f"run `{REGENERATE}` from the repository root to regenerate"


def test_committed_asyncapi_document_is_up_to_date() -> None:
    committed = REPO_ROOT / ASYNCAPI_PATH
    assert committed.is_file(), f"{ASYNCAPI_PATH} is missing: {HINT}"
    assert committed.read_text(encoding="utf-8") == render_yaml(), (
        f"{ASYNCAPI_PATH} is out of date: {HINT}"
    )


@pytest.mark.parametrize("topic_name", list(TOPICS))
def test_committed_topic_schema_is_up_to_date(topic_name: str) -> None:
    committed = REPO_ROOT / SCHEMAS_DIR / f"{topic_name}.json"
    assert committed.is_file(), f"{committed.relative_to(REPO_ROOT)} is missing: {HINT}"
    assert committed.read_text(encoding="utf-8") == render_json(
        topic_json_schema(TOPICS[topic_name])
    ), f"{committed.relative_to(REPO_ROOT)} is out of date: {HINT}"


def test_no_committed_schema_for_a_topic_that_no_longer_exists() -> None:
    assert stale_docs(REPO_ROOT) == [], HINT


def _fake_repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    return tmp_path


def test_regeneration_writes_every_file_and_check_then_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _fake_repo(tmp_path)
    assert main(["--root", str(root), "--check"]) == 1
    assert main(["--root", str(root)]) == 0
    for path, content in generated_docs().items():
        assert (root / path).read_text(encoding="utf-8") == content
    assert main(["--root", str(root), "--check"]) == 0
    assert str(ASYNCAPI_PATH) in capsys.readouterr().out


def test_check_names_a_changed_file_and_how_to_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _fake_repo(tmp_path)
    write_docs(root)
    edited = root / SCHEMAS_DIR / "crm.events.json"
    edited.write_text("{}\n", encoding="utf-8")
    assert main(["--root", str(root), "--check"]) == 1
    err = capsys.readouterr().err
    assert "crm.events.json" in err
    assert REGENERATE in err


def test_regeneration_removes_schemas_of_removed_topics(tmp_path: Path) -> None:
    root = _fake_repo(tmp_path)
    write_docs(root)
    leftover = root / SCHEMAS_DIR / "retired.topic.json"
    leftover.write_text("{}\n", encoding="utf-8")
    assert stale_docs(root) == [SCHEMAS_DIR / "retired.topic.json"]
    write_docs(root)
    assert not leftover.exists()
    assert stale_docs(root) == []


def test_regeneration_refuses_a_directory_that_is_not_the_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--root", str(tmp_path)]) == 2
    assert "pyproject.toml" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_module_entry_point_checks_the_repository() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "govmesh.schemas.asyncapi", "--check", "--root", str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr

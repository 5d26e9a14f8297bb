"""Regenerate (or check) the committed artefacts derived from the topic registry.

    python -m govmesh.schemas.asyncapi            # write docs/asyncapi.yaml and docs/schemas/
    python -m govmesh.schemas.asyncapi --check    # exit 1 and name the files that are stale

Both run from the repository root unless `--root` says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from govmesh.schemas.asyncapi import render_yaml
from govmesh.schemas.jsonschema import schema_files

ASYNCAPI_PATH = Path("docs/asyncapi.yaml")
SCHEMAS_DIR = Path("docs/schemas")
REGENERATE = "python -m govmesh.schemas.asyncapi"


def generated_docs() -> dict[Path, str]:
    """Repository-relative path -> the content it must have."""
    files = {ASYNCAPI_PATH: render_yaml()}
    files.update({SCHEMAS_DIR / name: content for name, content in schema_files().items()})
    return files


def stale_docs(root: Path) -> list[Path]:
    """Relative paths under `root` that are missing, differ, or are left over from old topics."""
    expected = generated_docs()
    stale = [
        path
        for path, content in expected.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != content
    ]
    stale += sorted(_leftovers(root, expected))
    return stale


def write_docs(root: Path) -> list[Path]:
    """Write every generated file under `root` and delete schema files of removed topics."""
    expected = generated_docs()
    for leftover in _leftovers(root, expected):
        (root / leftover).unlink()
    written = []
    for path, content in expected.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written.append(target)
    return written


def _leftovers(root: Path, expected: dict[Path, str]) -> set[Path]:
    directory = root / SCHEMAS_DIR
    if not directory.is_dir():
        return set()
    return {SCHEMAS_DIR / p.name for p in directory.glob("*.json")} - set(expected)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m govmesh.schemas.asyncapi`; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description="Regenerate docs/asyncapi.yaml and docs/schemas/."
    )
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="repository root")
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    root: Path = args.root
    if not (root / "pyproject.toml").is_file():
        print(
            f"{root} is not the repository root (no pyproject.toml); pass --root", file=sys.stderr
        )
        return 2
    if args.check:
        stale = stale_docs(root)
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        if stale:
            print(f"run `{REGENERATE}` to regenerate", file=sys.stderr)
        return 1 if stale else 0
    for path in write_docs(root):
        print(path.relative_to(root))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

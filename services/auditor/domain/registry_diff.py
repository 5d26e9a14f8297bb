"""Flattening and comparing the executor's registry snapshots (A-003, A-007).

A snapshot maps each name (a capability or SYSTEM) to its fields; `config` is itself a
mapping, compared key by key so one changed key names exactly one path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govmesh.auditor.domain.expected import Path
from govmesh.schemas.canonical import json_equal


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


def flatten(snapshot: Mapping[str, Any]) -> dict[Path, Any]:
    """Every leaf of a registry snapshot by path: ``(name, field)`` or ``(name, "config", key)``."""
    leaves: dict[Path, Any] = {}
    for name, entry in snapshot.items():
        if not isinstance(entry, Mapping):
            leaves[(name,)] = entry
            continue
        for field, value in entry.items():
            if field == "config" and isinstance(value, Mapping):
                for key, item in value.items():
                    leaves[(name, "config", key)] = item
            else:
                leaves[(name, field)] = value
    return leaves


def changed_paths(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[Path, tuple[Any, Any]]:
    """Paths whose value differs between two snapshots, with (before, after); ABSENT if missing."""
    old, new = flatten(before), flatten(after)
    changes: dict[Path, tuple[Any, Any]] = {}
    for path in sorted({*old, *new}):
        left, right = old.get(path, ABSENT), new.get(path, ABSENT)
        if left is ABSENT or right is ABSENT:
            if left is not right:
                changes[path] = (left, right)
        elif not json_equal(left, right):
            changes[path] = (left, right)
    return changes


def render(path: Path) -> str:
    """A path as dotted text for verdict reasons."""
    return ".".join(path)

"""Proposed changes (SPEC §3, §5): from the founder, from structured data, or from the text.

Precedence: a founder's scope revision (MODIFY_SCOPE, REVIEW-005) is taken as given;
else `payload.structured_data["proposed_changes"]` when present and schema-valid;
else changes derived deterministically from the text. Derivation is all-or-nothing:
if any part of the ask cannot be turned into a valid change (unknown key, invalid
value, ambiguous scope, enable and disable both asked) no changes are proposed and the
reason says why — a partial plan would silently narrow what the requester asked for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter, ValidationError

from govmesh.schemas import (
    SYSTEM_SCOPE,
    CapabilityDisable,
    CapabilityEnable,
    ConfigurationUpdate,
    Lifecycle,
    ParameterChange,
    ProposedChange,
    ProposedChanges,
)
from govmesh.validator.domain.assignments import Assignment
from govmesh.validator.domain.capabilities import CapabilityMention
from govmesh.validator.domain.registry import RegistrySnapshot
from govmesh.validator.domain.requests import Action, CapabilityRequest, RequestReading
from govmesh.validator.domain.text import EventText
from govmesh.validator.domain.values import fit_value
from govmesh.validator.domain.vocabulary import SYSTEM_WORDING

_CHANGES: TypeAdapter[list[ProposedChange]] = TypeAdapter(ProposedChanges)
_MAX_REASON = 1000
_MAX_CHANGES = 50


class ChangeSource(StrEnum):
    FOUNDER_REVISION = "founder_revision"
    STRUCTURED_DATA = "structured_data"
    TEXT = "text"
    NONE = "none"


@dataclass(frozen=True)
class ChangeProposal:
    """The proposed changes (or None with the reason) and where they came from."""

    changes: tuple[ProposedChange, ...] | None
    source: ChangeSource
    reason: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Derived:
    position: int
    change: ProposedChange


def propose(
    *,
    text: EventText,
    body: str,
    structured_data: Mapping[str, Any] | None,
    registry: RegistrySnapshot,
    requests: RequestReading,
    assignments: Sequence[Assignment],
    mentions: Sequence[CapabilityMention],
    override: Sequence[ProposedChange] | None,
) -> ChangeProposal:
    """Choose the proposed changes for an issue (see the module docstring for precedence)."""
    if override is not None:
        return _from_override(override)
    notes: list[str] = []
    invalid_structured: str | None = None
    if structured_data is not None and "proposed_changes" in structured_data:
        try:
            given = _CHANGES.validate_python(structured_data["proposed_changes"])
        except ValidationError as error:
            invalid_structured = _summary(error)
            notes.append("proposed_changes:structured_data_invalid")
        else:
            return ChangeProposal(tuple(given), ChangeSource.STRUCTURED_DATA, None, ())
    derived, problems = _derive(text, body, registry, requests, assignments, mentions)
    if derived and not problems:
        return ChangeProposal(tuple(derived), ChangeSource.TEXT, None, tuple(notes))
    why = problems or [
        "the text asks to enable or disable no capability and sets no configuration key"
    ]
    reason = "No change could be derived from the text: " + "; ".join(why)
    if invalid_structured is not None:
        reason = f"structured_data.proposed_changes is invalid ({invalid_structured}). {reason}"
    return ChangeProposal(None, ChangeSource.NONE, reason[:_MAX_REASON], tuple(notes))


def _from_override(override: Sequence[ProposedChange]) -> ChangeProposal:
    try:
        revised = _CHANGES.validate_python([c.model_dump(mode="json") for c in override])
    except ValidationError as error:
        reason = f"The founder's revised proposed_changes are invalid ({_summary(error)})"
        return ChangeProposal(
            None, ChangeSource.NONE, reason, ("proposed_changes:revision_invalid",)
        )
    return ChangeProposal(tuple(revised), ChangeSource.FOUNDER_REVISION, None, ())


def _summary(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "proposed_changes"
    return f"{error.error_count()} error(s); first at {where}: {first['msg']}"


def _derive(
    text: EventText,
    body: str,
    registry: RegistrySnapshot,
    requests: RequestReading,
    assignments: Sequence[Assignment],
    mentions: Sequence[CapabilityMention],
) -> tuple[list[ProposedChange], list[str]]:
    problems = [f"both enabling and disabling {name} is asked for" for name in requests.conflicts]
    derived: list[_Derived] = []
    for request in requests.requests:
        change = _capability_change(request, registry, body, problems)
        if change is not None:
            derived.append(_Derived(request.position, change))
    derived.extend(_config_changes(text, registry, assignments, mentions, problems))
    derived.sort(key=lambda d: d.position)
    changes = [d.change for d in derived]
    if len(changes) > _MAX_CHANGES:
        problems.append(f"{len(changes)} changes exceed the limit of {_MAX_CHANGES}")
    return changes, problems


def _capability_change(
    request: CapabilityRequest, registry: RegistrySnapshot, body: str, problems: list[str]
) -> ProposedChange | None:
    try:
        if request.action is Action.ENABLE:
            record = registry.find(request.name)
            lifecycle = request.lifecycle or (record.lifecycle if record else None)
            return CapabilityEnable(
                capability_name=request.name,
                target_lifecycle=lifecycle or Lifecycle.PREVIEW,
            )
        reason = request.reason or " ".join(body.split()) or "Requested in the issue"
        return CapabilityDisable(capability_name=request.name, reason=reason[:_MAX_REASON])
    except ValidationError:
        problems.append(f"{request.name!r} is not a valid capability name")
        return None


def _config_changes(
    text: EventText,
    registry: RegistrySnapshot,
    assignments: Sequence[Assignment],
    mentions: Sequence[CapabilityMention],
    problems: list[str],
) -> list[_Derived]:
    per_scope: dict[str, dict[str, Any]] = {}
    first_seen: dict[str, int] = {}
    wished: list[tuple[str, Any, Assignment]] = []
    for assignment in assignments:
        if not assignment.known:
            problems.append(f"configuration key {assignment.key} does not exist in the registry")
            continue
        scope, problem = _scope_of(assignment, text, registry, mentions)
        if scope is None:
            problems.append(problem)
            continue
        config = registry.config_of(scope) or {}
        fits, value = fit_value(assignment.value, config.get(assignment.key), assignment.key)
        if not fits:
            expected = type(config.get(assignment.key)).__name__
            problems.append(
                f"value {assignment.value.raw!r} is not a valid {expected} for "
                f"{scope}.{assignment.key}"
            )
            continue
        wished.append((scope, value, assignment))
    for scope, value, assignment in _drop_described_current(wished, registry):
        chosen = per_scope.setdefault(scope, {})
        if assignment.key in chosen and chosen[assignment.key] != value:
            problems.append(f"{scope}.{assignment.key} is given two different values")
            continue
        chosen[assignment.key] = value
        first_seen.setdefault(scope, assignment.key_start)
    derived: list[_Derived] = []
    for scope, parameters in per_scope.items():
        change: ProposedChange
        if len(parameters) == 1:
            ((key, value),) = parameters.items()
            current = (registry.config_of(scope) or {}).get(key)
            change = ConfigurationUpdate(scope=scope, key=key, old_value=current, new_value=value)
        else:
            change = ParameterChange(scope=scope, parameters=parameters)
        derived.append(_Derived(first_seen[scope], change))
    return derived


def _drop_described_current(
    wished: list[tuple[str, Any, Assignment]], registry: RegistrySnapshot
) -> list[tuple[str, Any, Assignment]]:
    """Drop a value that only restates the registry's current one when another is asked.

    "max_series_per_request=500 too small. Recommend max_series_per_request=2000": 500 is
    today's value, described; 2000 is the wish.
    """
    kept: list[tuple[str, Any, Assignment]] = []
    for scope, value, assignment in wished:
        current = (registry.config_of(scope) or {}).get(assignment.key)
        others = [v for s, v, a in wished if s == scope and a.key == assignment.key and v != value]
        if value == current and others:
            continue
        kept.append((scope, value, assignment))
    return kept


def _scope_of(
    assignment: Assignment,
    text: EventText,
    registry: RegistrySnapshot,
    mentions: Sequence[CapabilityMention],
) -> tuple[str | None, str]:
    owners = registry.owners_of(assignment.key)
    capabilities = [o for o in owners if o != SYSTEM_SCOPE]
    start, end = text.sentence_bounds(assignment.sentence)
    nearby = [m for m in mentions if start <= m.start < end and m.name in capabilities]
    if nearby:
        return min(nearby, key=lambda m: (abs(m.start - assignment.key_start), m.start)).name, ""
    if SYSTEM_SCOPE in owners and SYSTEM_WORDING.search(text.lower[start:end]):
        return SYSTEM_SCOPE, ""
    named = sorted({m.name for m in mentions if m.name in capabilities})
    if len(named) == 1:
        return named[0], ""
    if not named and len(owners) == 1:
        return owners[0], ""
    if not named and SYSTEM_SCOPE in owners:
        return SYSTEM_SCOPE, ""
    return None, (
        f"configuration key {assignment.key} exists on {', '.join(owners)}; "
        "the text does not say which"
    )

"""A-005 Rollback availability: every completed step has a valid rollback action.

signal_record is exempt by design. A valid action has the executor's shape
``{"type", "target", "parameters"}``, the same target, and actually undoes the step:
capability steps compensate with capability_enable (a lifecycle to restore) or
capability_disable; config_update compensates the same key back to its `old_value`
(or removes a key that did not exist).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govmesh.auditor.domain.evidence import Evidence
from govmesh.schemas import (
    AuditCheckResult,
    CheckOutcome,
    Lifecycle,
    StepRecord,
    StepStatus,
    StepType,
)
from govmesh.schemas.canonical import json_equal

CHECK = "A-005"
NAME = "Rollback availability"

_LIFECYCLES = frozenset(lc.value for lc in Lifecycle)
_CAPABILITY_STEPS = frozenset({StepType.CAPABILITY_ENABLE.value, StepType.CAPABILITY_DISABLE.value})


def _capability_problem(kind: str, params: Mapping[str, Any]) -> str | None:
    if kind not in _CAPABILITY_STEPS:
        return f"rollback type {kind!r} cannot undo a capability step"
    if (
        kind == StepType.CAPABILITY_ENABLE.value
        and params.get("target_lifecycle") not in _LIFECYCLES
    ):
        return "rollback capability_enable has no valid target_lifecycle"
    if "lifecycle" in params and params["lifecycle"] not in _LIFECYCLES:
        return "rollback capability_disable has an invalid lifecycle"
    return None


def _config_problem(step: StepRecord, kind: str, params: Mapping[str, Any]) -> str | None:
    if kind != StepType.CONFIG_UPDATE.value:
        return f"rollback type {kind!r} cannot undo a config_update"
    if params.get("key") != step.parameters.get("key"):
        return "rollback changes a different key"
    unset = params.get("unset") is True
    if not unset and "new_value" not in params:
        return "rollback sets no value"
    if "old_value" in step.parameters:
        old = step.parameters["old_value"]
        if unset and old is not None:
            return f"rollback removes the key but the value before was {old!r}"
        if not unset and not json_equal(params["new_value"], old):
            return f"rollback restores {params['new_value']!r}, not old_value {old!r}"
    return None


def rollback_problem(step: StepRecord) -> str | None:
    """Why `step`'s rollback action is not a valid compensation, or None when it is."""
    action = step.rollback_action
    if action is None:
        return "no rollback_action"
    kind, target, params = action.get("type"), action.get("target"), action.get("parameters")
    if not isinstance(params, Mapping):
        return "rollback_action has no parameters"
    if target != step.target:
        return f"rollback targets {target!r}, not {step.target!r}"
    if step.type is StepType.CONFIG_UPDATE:
        return _config_problem(step, str(kind), params)
    return _capability_problem(str(kind), params)


def check_rollback(evidence: Evidence) -> AuditCheckResult:
    """PASS when every completed, non-signal step can be undone; FAIL naming each that cannot."""
    needing = [
        s
        for s in evidence.steps
        if s.status is StepStatus.COMPLETED and s.type is not StepType.SIGNAL_RECORD
    ]
    problems = []
    for step in needing:
        problem = rollback_problem(step)
        if problem is not None:
            problems.append(f"step {step.number} ({step.type.value} {step.target}): {problem}")
    if problems:
        reason = f"Steps without a valid rollback: {'; '.join(problems)}"
        return AuditCheckResult(check=CHECK, name=NAME, outcome=CheckOutcome.FAIL, reason=reason)
    return AuditCheckResult(
        check=CHECK,
        name=NAME,
        outcome=CheckOutcome.PASS,
        reason=f"All {len(needing)} completed steps have a valid rollback (signal_record exempt)",
    )

"""The confidence formula (SPEC §3, VAL-003), in hundredths so every sum is exact.

confidence = 0.50 + source weight + the type's modifiers + registry modifier
             (+ a hint adjustment of at most ±0.05), clamped to [0, 1], two decimals.

Source weights: ops_alert 0.20, support_ticket 0.10, crm_feedback 0.05, manual 0.00;
integration is not listed by SPEC §3 and weighs 0.00 like manual (nothing vouches for it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govmesh.schemas import IssueType, Source

START = 50
SOURCE_WEIGHT: dict[Source, int] = {
    Source.OPS_ALERT: 20,
    Source.SUPPORT_TICKET: 10,
    Source.CRM_FEEDBACK: 5,
    Source.MANUAL: 0,
    Source.INTEGRATION: 0,
}
# Type modifiers, SPEC §3 table.
CAPABILITY_IN_REGISTRY = 20
CLEAR_ACTION_VERB = 10
VAGUE = -20
ERROR_MESSAGE_PRESENT = 20
REPRODUCTION_STEPS = 10
NO_SPECIFIC_BEHAVIOUR = -30
KEY_EXISTS = 20
VALID_VALUE_FORMAT = 10
INVALID_VALUE_FORMAT = -20
# Registry modifier.
ALL_IN_REGISTRY = 10
SOME_IN_REGISTRY = 5
NONE_IN_REGISTRY = -10


@dataclass(frozen=True)
class Term:
    """One addend of the formula, in hundredths."""

    name: str
    hundredths: int

    def evidence(self) -> str:
        """`confidence:<name>=<signed value>`."""
        return f"confidence:{self.name}={self.hundredths / 100:+.2f}"


@dataclass(frozen=True)
class TypeFacts:
    """What the type modifiers look at (None: nothing to judge, no modifier)."""

    capability_in_registry: bool = False
    clear_action_verb: bool = False
    vague: bool = False
    error_message: bool = False
    reproduction_steps: bool = False
    specific_behaviour: bool = True
    key_exists: bool | None = None
    value_valid: bool | None = None


def source_term(source: Source) -> Term:
    """The source weight."""
    return Term(f"source:{source}", SOURCE_WEIGHT.get(source, 0))


def type_terms(issue_type: IssueType, facts: TypeFacts) -> list[Term]:
    """The classification modifiers of `issue_type` that apply."""
    terms: list[Term] = []
    if issue_type is IssueType.CAPABILITY_REQUEST:
        if facts.capability_in_registry:
            terms.append(Term("capability_in_registry", CAPABILITY_IN_REGISTRY))
        if facts.clear_action_verb:
            terms.append(Term("clear_action_verb", CLEAR_ACTION_VERB))
        if facts.vague:
            terms.append(Term("vague", VAGUE))
    elif issue_type is IssueType.BUG_REPORT:
        if facts.error_message:
            terms.append(Term("error_message", ERROR_MESSAGE_PRESENT))
        if facts.reproduction_steps:
            terms.append(Term("reproduction_steps", REPRODUCTION_STEPS))
        if not facts.specific_behaviour:
            terms.append(Term("no_specific_behaviour", NO_SPECIFIC_BEHAVIOUR))
    elif issue_type is IssueType.CONFIGURATION_CHANGE:
        if facts.key_exists:
            terms.append(Term("key_exists", KEY_EXISTS))
        if facts.value_valid is True:
            terms.append(Term("valid_value_format", VALID_VALUE_FORMAT))
        elif facts.value_valid is False:
            terms.append(Term("invalid_value_format", INVALID_VALUE_FORMAT))
    return terms


def registry_term(scopes: Sequence[str], known: Sequence[bool]) -> Term:
    """+0.10 when every referenced scope is in the registry, +0.05 some, −0.10 none.

    No scope referenced at all counts as none: an issue that names nothing the registry
    knows is less trustworthy, not more.
    """
    hits = sum(known)
    if scopes and hits == len(scopes):
        return Term("registry:all", ALL_IN_REGISTRY)
    if hits:
        return Term("registry:some", SOME_IN_REGISTRY)
    return Term("registry:none", NONE_IN_REGISTRY)


def total(terms: Sequence[Term]) -> int:
    """Start plus every term, clamped to [0, 100] hundredths (VAL-003)."""
    return max(0, min(100, START + sum(t.hundredths for t in terms)))


def as_score(hundredths: int) -> float:
    """Hundredths as the verdict's two-decimal confidence."""
    return round(hundredths / 100, 2)

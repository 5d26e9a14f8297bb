"""Enable / disable requests for capabilities ("please turn on log search").

A cue is a verb (enable, disable, turn on/off, activate, switch off …) or an ask for
access ("access to", or "can we have / try" followed at once by a capability, so that
"can we get a fix for X" is no ask for X). It is a request when its clause asks
("please", "can you", "we need", an imperative) — a past participle ("enabled") counts
only then, so "since we enabled X the page fails" is not a request. A clause that
starts with "since/after/when/if" describes rather than asks, unless it also asks.
Negated cues ("don't disable") do not count; a nearby "not urgent" does not negate.

Each enable/disable cue applies to the capabilities named in its clause (the nearest
cue wins when a clause has several, and a cue no capability is nearest to takes the
closest one, so "X enabled or disabled" is seen as a conflict); a clause with a pronoun
("turn it off") refers to the last capability named before it; a clause with neither
applies to the only capability of the issue, if there is exactly one. An ask for access
applies only to the capability that follows it. For each capability the asked-for cues
decide; enable and disable both asked for is a conflict (SPEC §3 "conflicting
indicators").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from govmesh.schemas import Lifecycle
from govmesh.validator.domain.capabilities import CapabilityMention
from govmesh.validator.domain.text import Clause, EventText
from govmesh.validator.domain.vocabulary import (
    ACCESS_ASK,
    ACCESS_OBJECT_ASK,
    DISABLE_BASE,
    DISABLE_PARTICIPLE,
    ENABLE_BASE,
    ENABLE_PARTICIPLE,
    LIFECYCLE_WORDS,
    NEGATION,
    PRONOUN,
    REASON_OPENERS,
    REQUEST_MARKER,
)

_DESCRIPTIVE_OPENERS = frozenset(
    {
        "since",
        "after",
        "when",
        "if",
        "before",
        "because",
        "while",
        "although",
        "though",
        "until",
        "unless",
        "whereas",
    }
)
_PUNCTUATION = re.compile(r"[,;:!?()]")
_DETERMINERS = re.compile(r"\s*(?:(?:the|a|an|your|our|this|that|new)\s+)*")
_LEADING_FILLER = re.compile(
    r"^[\s,:;()\-\"'*>]*(?:(?:hi|hello|hey|also|and|then|so|ok|okay)\b[\s,!:]*)*"
)


class Action(StrEnum):
    ENABLE = "enable"
    DISABLE = "disable"


@dataclass(frozen=True)
class Cue:
    """One enable/disable verb or ask for access in the text."""

    action: Action
    start: int
    end: int
    clause: Clause
    is_request: bool
    is_access_ask: bool
    needs_object: bool = False


@dataclass(frozen=True)
class CapabilityRequest:
    """The action an issue asks for on one capability."""

    name: str
    action: Action
    position: int
    lifecycle: Lifecycle | None
    reason: str | None


@dataclass(frozen=True)
class RequestReading:
    """What the issue asks for: requests per capability and the capabilities in conflict."""

    cues: tuple[Cue, ...]
    requests: tuple[CapabilityRequest, ...]
    conflicts: tuple[str, ...]

    @property
    def has_action_verb(self) -> bool:
        """A clear action verb (not only an ask for access) is present."""
        return any(not cue.is_access_ask for cue in self.cues)

    @property
    def has_access_ask(self) -> bool:
        """The issue asks for access to something."""
        return any(cue.is_access_ask for cue in self.cues)


def find_cues(text: EventText) -> tuple[Cue, ...]:
    """Every enable/disable cue that counts, in text order."""
    cues: list[Cue] = []
    patterns = (
        (ENABLE_BASE, Action.ENABLE, False, False),
        (DISABLE_BASE, Action.DISABLE, False, False),
        (ENABLE_PARTICIPLE, Action.ENABLE, True, False),
        (DISABLE_PARTICIPLE, Action.DISABLE, True, False),
        (ACCESS_ASK, Action.ENABLE, True, True),
        (ACCESS_OBJECT_ASK, Action.ENABLE, True, True),
    )
    for pattern, action, needs_request, is_access in patterns:
        for match in pattern.finditer(text.lower):
            clause = text.clause_at(match.start())
            asks = _asks(text, clause, match.start())
            if needs_request and not asks:
                continue
            if clause.opener in _DESCRIPTIVE_OPENERS and not asks:
                continue
            # Only a negation right before the verb counts: "not urgent, please enable X" asks.
            lead_in = _PUNCTUATION.split(text.lower[clause.start : match.start()])[-1]
            if NEGATION.search(" ".join(lead_in.split()[-2:])):
                continue
            if any(c.start < match.end() and match.start() < c.end for c in cues):
                continue
            needs_object = pattern is ACCESS_OBJECT_ASK
            cues.append(
                Cue(action, match.start(), match.end(), clause, asks, is_access, needs_object)
            )
    return tuple(sorted(cues, key=lambda c: c.start))


def _asks(text: EventText, clause: Clause, cue_start: int) -> bool:
    """Whether the clause asks: a request marker, or an imperative (the verb comes first)."""
    clause_text = text.clause_text(clause)
    if REQUEST_MARKER.search(clause_text):
        return True
    if clause.opener is not None:
        return False
    lead = _LEADING_FILLER.match(clause_text)
    return clause.start + (lead.end() if lead else 0) == cue_start


def read_requests(text: EventText, mentions: Sequence[CapabilityMention]) -> RequestReading:
    """Resolve cues to capabilities and decide one action per capability."""
    cues = tuple(
        c for c in find_cues(text) if not c.needs_object or _object_follows(text, c, mentions)
    )
    by_name: dict[str, list[tuple[Cue, int]]] = {}
    distinct = {m.name for m in mentions}
    ordered = sorted(mentions, key=lambda m: m.start)
    for cue in cues:
        targets = _targets(text, cue, cues, ordered, distinct)
        for name, position in targets:
            by_name.setdefault(name, []).append((cue, position))
    requests: list[CapabilityRequest] = []
    conflicts: list[str] = []
    for name, hits in by_name.items():
        asked = [h for h in hits if h[0].is_request] or hits
        actions = {cue.action for cue, _ in asked}
        if len(actions) > 1:
            conflicts.append(name)
            continue
        action = actions.pop()
        position = min(p for _, p in hits)
        lifecycle = _lifecycle(text, [cue for cue, _ in asked]) if action is Action.ENABLE else None
        reason = _reason(text, [cue for cue, _ in asked]) if action is Action.DISABLE else None
        requests.append(CapabilityRequest(name, action, position, lifecycle, reason))
    requests.sort(key=lambda r: (r.position, r.name))
    return RequestReading(cues, tuple(requests), tuple(sorted(conflicts)))


def _object_follows(text: EventText, cue: Cue, mentions: Sequence[CapabilityMention]) -> bool:
    """ "can we have the trace viewer" asks for it; "can we get a fix for X" does not."""
    for mention in mentions:
        gap = text.lower[cue.end : mention.start]
        if mention.start >= cue.end and _DETERMINERS.fullmatch(gap):
            return True
    return False


def _targets(
    text: EventText,
    cue: Cue,
    cues: Sequence[Cue],
    mentions: Sequence[CapabilityMention],
    distinct: set[str],
) -> list[tuple[str, int]]:
    in_clause = [m for m in mentions if cue.clause.start <= m.start < cue.clause.end]
    if cue.needs_object:
        following = [m for m in in_clause if _DETERMINERS.fullmatch(text.lower[cue.end : m.start])]
        return [(m.name, m.start) for m in following[:1]]
    if in_clause:
        siblings = [c for c in cues if c.clause == cue.clause]
        mine = [m for m in in_clause if _nearest(m.start, siblings) == cue]
        if not mine:
            # "want X enabled or disabled": a cue no capability is closest to still applies
            # to the capability closest to it, so the conflict is seen.
            mine = [min(in_clause, key=lambda m: (abs(m.start - cue.start), m.start))]
        return [(m.name, m.start) for m in mine]
    if PRONOUN.search(text.clause_text(cue.clause)):
        earlier = [m for m in mentions if m.end <= cue.start]
        if earlier:
            return [(earlier[-1].name, earlier[-1].start)]
    if len(distinct) == 1:
        only = next(m for m in mentions)
        return [(only.name, only.start)]
    return []


def _nearest(position: int, cues: Sequence[Cue]) -> Cue:
    return min(cues, key=lambda c: (min(abs(c.start - position), abs(c.end - position)), c.start))


def _lifecycle(text: EventText, cues: Sequence[Cue]) -> Lifecycle | None:
    for scope in ("clause", "sentence"):
        for cue in cues:
            if scope == "clause":
                start, end = cue.clause.start, cue.clause.end
            else:
                start, end = text.sentence_bounds(cue.clause.sentence)
            window = text.lower[start:end]
            for lifecycle, pattern in LIFECYCLE_WORDS:
                if pattern.search(window):
                    return Lifecycle(lifecycle)
    return None


def _reason(text: EventText, cues: Sequence[Cue]) -> str | None:
    for cue in cues:
        for clause in text.clauses:
            if (
                clause.sentence == cue.clause.sentence
                and clause.start >= cue.clause.end
                and clause.opener in REASON_OPENERS
            ):
                raw = text.raw[clause.start : clause.end].strip()
                reason = raw[len(clause.opener) :].strip(" ,:-")
                if reason:
                    return reason
    return None

"""Which capabilities an issue is about (SPEC §3 "Capabilities").

Three stages, each only over text the earlier ones left unclaimed:

1. exact — a registry name, case-insensitive, as a whole token ("logs_list");
2. fuzzy — word windows compared with registry names, similarity ≥ 0.85
   ("log serch" → LOG_SEARCH, "incident details" → INCIDENT_DETAIL);
3. context — all words of a registry name close together in any order ("export our
   metrics" → METRICS_EXPORT), or an UPPER_SNAKE token that looks like a capability
   name but is not in the registry (so an unknown capability is still reported and
   eligibility can refuse it, E-002).

The result is de-duplicated in stage order, then text order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

from govmesh.schemas import SYSTEM_SCOPE
from govmesh.validator.domain.registry import RegistrySnapshot
from govmesh.validator.domain.text import EventText, Word
from govmesh.validator.domain.vocabulary import ERROR_LIKE, UPPER_SNAKE

#: Minimum rapidfuzz similarity (0–1) for a fuzzy capability match.
FUZZY_THRESHOLD = 0.85
_SPLIT = re.compile(r"[_.\-\s]+")


class MatchStage(StrEnum):
    EXACT = "exact"
    FUZZY = "fuzzy"
    CONTEXT = "context"


@dataclass(frozen=True)
class CapabilityMention:
    """One place in the text that names a capability."""

    name: str
    stage: MatchStage
    start: int
    end: int
    similarity: float
    in_registry: bool

    def evidence(self, text: EventText) -> str:
        """How the mention was found, for the verdict's evidence list."""
        found = text.raw[self.start : self.end].replace("\n", " ")
        return f"capability:{self.stage}:{self.name}<-{found!r}({self.similarity:.2f})"


def find_mentions(
    text: EventText, registry: RegistrySnapshot, config_keys: Iterable[str] = ()
) -> tuple[CapabilityMention, ...]:
    """Every capability mention, in stage order then text order (names may repeat)."""
    claimed: list[tuple[int, int]] = []
    exact = _exact(text, registry)
    claimed.extend((m.start, m.end) for m in exact)
    fuzzy = _fuzzy(text, registry, claimed)
    claimed.extend((m.start, m.end) for m in fuzzy)
    nearby = _words_nearby(text, registry, claimed)
    claimed.extend((m.start, m.end) for m in nearby)
    snake = _unknown_snake(text, registry, claimed, {k.casefold() for k in config_keys})
    return (*exact, *fuzzy, *nearby, *snake)


def affected(mentions: Sequence[CapabilityMention]) -> list[str]:
    """Capability names in stage order then text order, each once."""
    names: list[str] = []
    for mention in mentions:
        if mention.name not in names:
            names.append(mention.name)
    return names


def _exact(text: EventText, registry: RegistrySnapshot) -> list[CapabilityMention]:
    found: list[CapabilityMention] = []
    for name in registry.names():
        pattern = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(name.lower()) + r"(?![A-Za-z0-9_])")
        for match in pattern.finditer(text.lower):
            found.append(CapabilityMention(name, MatchStage.EXACT, *match.span(), 1.0, True))
    return sorted(found, key=lambda m: (m.start, m.name))


def _overlaps(start: int, end: int, claimed: Iterable[tuple[int, int]]) -> bool:
    return any(start < c_end and c_start < end for c_start, c_end in claimed)


def _windows(words: Sequence[Word], size: int) -> Iterable[tuple[int, int, str]]:
    for i in range(len(words) - size + 1):
        window = words[i : i + size]
        if all(w.text.isdigit() for w in window):
            continue
        yield window[0].start, window[-1].end, " ".join(w.text for w in window)


def _fuzzy(
    text: EventText, registry: RegistrySnapshot, claimed: list[tuple[int, int]]
) -> list[CapabilityMention]:
    candidates: list[tuple[float, int, int, str]] = []
    for name in registry.names():
        target_words = [w for w in _SPLIT.split(name.lower()) if w]
        target = " ".join(target_words)
        sizes = {len(target_words), max(1, len(target_words) - 1)}
        for size in sorted(sizes):
            for start, end, window in _windows(text.words, size):
                if _overlaps(start, end, claimed):
                    continue
                score = fuzz.ratio(window, target) / 100.0
                if score >= FUZZY_THRESHOLD:
                    candidates.append((score, start, end, name))
    # Best similarity first; ties by position then name keep the result deterministic.
    candidates.sort(key=lambda c: (-c[0], c[1], c[3]))
    taken: list[tuple[int, int]] = []
    found: list[CapabilityMention] = []
    for score, start, end, name in candidates:
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        found.append(CapabilityMention(name, MatchStage.FUZZY, start, end, round(score, 4), True))
    return sorted(found, key=lambda m: (m.start, m.name))


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _words_nearby(
    text: EventText, registry: RegistrySnapshot, claimed: list[tuple[int, int]]
) -> list[CapabilityMention]:
    free = [w for w in text.words if not _overlaps(w.start, w.end, claimed)]
    stems = [_stem(w.text) for w in free]
    found: list[CapabilityMention] = []
    for name in registry.names():
        wanted = {_stem(w) for w in _SPLIT.split(name.lower()) if w}
        if len(wanted) < 2:
            # A one-word name is matched exactly or fuzzily; alone it is too common a word.
            continue
        span = len(wanted) + 2
        for i in range(len(free)):
            window = stems[i : i + span]
            if stems[i] not in wanted or not wanted.issubset(window):
                continue
            last = max(i + window.index(w) for w in wanted)
            start, end = free[i].start, free[last].end
            if text.clause_at(start) != text.clause_at(end - 1):
                continue
            found.append(CapabilityMention(name, MatchStage.CONTEXT, start, end, 1.0, True))
            break
    return sorted(found, key=lambda m: (m.start, m.name))


def _unknown_snake(
    text: EventText,
    registry: RegistrySnapshot,
    claimed: list[tuple[int, int]],
    config_keys: set[str],
) -> list[CapabilityMention]:
    found: list[CapabilityMention] = []
    for match in UPPER_SNAKE.finditer(text.raw):
        token = match.group()
        if (
            _overlaps(match.start(), match.end(), claimed)
            or token == SYSTEM_SCOPE
            or token.casefold() in config_keys
            or ERROR_LIKE.search(token)
            or registry.find(token) is not None
        ):
            continue
        found.append(
            CapabilityMention(token, MatchStage.CONTEXT, match.start(), match.end(), 0.0, False)
        )
    return found

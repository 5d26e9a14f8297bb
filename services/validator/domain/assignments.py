"""Configuration keys and the values an issue asks for them ("set X to 200", "X=8").

A key is recognised as written (`max_requests_per_minute`), as words ("refresh
interval", the unit optional) or fuzzily (≥ 0.85). A desired value follows a key after
"to", "=", ":", "be" or "make it" in the same sentence; a key written after "current"
or "currently" carries today's value, and then a keyless "raise it to 120" in the next
sentence supplies the wish. Unknown snake_case keys in an assignment are reported too,
so the verdict can say the key does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz

from govmesh.validator.domain.capabilities import FUZZY_THRESHOLD
from govmesh.validator.domain.registry import RegistrySnapshot
from govmesh.validator.domain.text import EventText
from govmesh.validator.domain.values import ProseValue, read_value
from govmesh.validator.domain.vocabulary import (
    CHANGE_INTENT,
    CURRENT_MARKER,
    KEY_UNITS,
    KEYLESS_TARGET,
    VALUE_MARKER,
)

_SNAKE_KEY = re.compile(r"(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class KeyMention:
    """A configuration key named in the text; `known` when some scope has it."""

    key: str
    known: bool
    start: int
    end: int
    current_marked: bool


@dataclass(frozen=True)
class Assignment:
    """A key with the value the issue asks for."""

    key: str
    known: bool
    value: ProseValue
    key_start: int
    sentence: int


def find_keys(text: EventText, registry: RegistrySnapshot) -> tuple[KeyMention, ...]:
    """Every configuration key the text names, in text order, overlaps resolved."""
    known = registry.config_keys()
    candidates: list[tuple[int, int, int, str, bool]] = []
    for key in known:
        for start, end, rank in _key_spans(text, key):
            candidates.append((start, end, rank, key, True))
    for match in _SNAKE_KEY.finditer(text.raw):
        token = match.group().lower()
        if token not in known and registry.find(token) is None:
            candidates.append((match.start(), match.end(), 2, token, False))
    # Prefer exact over worded over fuzzy, then the longer key ("default_page_size").
    candidates.sort(key=lambda c: (c[2], -(c[1] - c[0]), c[0], c[3]))
    taken: list[KeyMention] = []
    for start, end, _, key, is_known in candidates:
        if any(start < t.end and t.start < end for t in taken):
            continue
        before = text.lower[max(0, start - 40) : start].split()[-3:]
        marked = any(CURRENT_MARKER.fullmatch(word) for word in before)
        taken.append(KeyMention(key, is_known, start, end, marked))
    return tuple(sorted(taken, key=lambda k: k.start))


def _key_spans(text: EventText, key: str) -> list[tuple[int, int, int]]:
    spans: list[tuple[int, int, int]] = []
    pattern = re.compile(r"(?<![a-z0-9_])" + re.escape(key.lower()) + r"(?![a-z0-9_])")
    spans.extend((m.start(), m.end(), 0) for m in pattern.finditer(text.lower))
    parts = key.lower().split("_")
    if parts[-1] in KEY_UNITS and len(parts) > 1:
        parts = parts[:-1]
    target = " ".join(parts)
    size = len(parts)
    words = text.words
    for i in range(len(words) - size + 1):
        window = words[i : i + size]
        joined = " ".join(w.text for w in window)
        # Words of one phrase only: "max_panels" inside another snake token does not count.
        if any(text.raw[a.end : b.start].strip() for a, b in pairwise(window)):
            continue
        if joined == target:
            spans.append((window[0].start, window[-1].end, 1))
        elif size > 1 and fuzz.ratio(joined, target) / 100.0 >= FUZZY_THRESHOLD:
            spans.append((window[0].start, window[-1].end, 3))
    return spans


def find_assignments(
    text: EventText, registry: RegistrySnapshot, keys: tuple[KeyMention, ...]
) -> tuple[Assignment, ...]:
    """The desired value for each key mention that has one, in text order."""
    found: list[Assignment] = []
    for index, mention in enumerate(keys):
        sentence = text.clause_at(mention.start).sentence
        _, sentence_end = text.sentence_bounds(sentence)
        stop = sentence_end
        if index + 1 < len(keys) and keys[index + 1].start < sentence_end:
            stop = keys[index + 1].start
        accept_words = _holds_text(registry, mention.key)
        value = _value_after(text, mention, stop, accept_words)
        if value is None and not _has_later_key(keys, index, sentence_end):
            value = _value_in_next_sentence(text, sentence, accept_words)
        if value is not None:
            found.append(Assignment(mention.key, mention.known, value, mention.start, sentence))
    return tuple(found)


def keyless_values(text: EventText) -> tuple[ProseValue, ...]:
    """Values asked for without a key ("raise the rate limit to 200", "200 instead of 50")."""
    values: list[ProseValue] = []
    for match in CHANGE_INTENT.finditer(text.lower):
        phrase = match.group()
        if "instead of" in phrase:
            at = match.start()
        elif phrase.startswith("make it"):
            at = match.start() + len(phrase) - len(phrase[len("make it") :].lstrip())
        elif " to " in phrase:
            at = match.start() + phrase.rfind(" to ") + len(" to ")
        else:
            # A comparative wish ends on the first digit of its number.
            at = match.end() - 1
        value = read_value(text.lower, at, accept_words=False)
        if value is not None:
            values.append(value)
    return tuple(values)


def has_change_intent(text: EventText) -> bool:
    """Whether the text asks for a value to change, with or without naming a key."""
    return CHANGE_INTENT.search(text.lower) is not None


def _holds_text(registry: RegistrySnapshot, key: str) -> bool:
    for owner in registry.owners_of(key):
        config = registry.config_of(owner)
        if config is not None and isinstance(config.get(key), str):
            return True
    return False


def _value_after(
    text: EventText, mention: KeyMention, stop: int, accept_words: bool
) -> ProseValue | None:
    position = mention.end
    skip_first = mention.current_marked
    while True:
        marker = VALUE_MARKER.search(text.lower, position, stop)
        if marker is None:
            return None
        value = read_value(text.lower[:stop], marker.end(), accept_words=accept_words)
        if value is not None and skip_first:
            skip_first = False
        elif value is not None:
            return value
        position = marker.end()


def _has_later_key(keys: tuple[KeyMention, ...], index: int, sentence_end: int) -> bool:
    return index + 1 < len(keys) and keys[index + 1].start < sentence_end


def _value_in_next_sentence(
    text: EventText, sentence: int, accept_words: bool
) -> ProseValue | None:
    following = [c for c in text.clauses if c.sentence == sentence + 1]
    if not following:
        return None
    start, end = following[0].start, following[-1].end
    target = KEYLESS_TARGET.search(text.lower, start, end)
    if target is None:
        return None
    return read_value(text.lower[:end], target.end(), accept_words=accept_words)

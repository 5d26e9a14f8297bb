"""Word-level facts about an issue's text: the raw material of indicators and severity."""

from __future__ import annotations

import re
from dataclasses import dataclass

from govmesh.validator.domain.text import EventText
from govmesh.validator.domain.vocabulary import (
    BEHAVIOUR,
    BENIGN_AFTER_SECURITY,
    BUG_GENERIC,
    BUG_SYMPTOM,
    CONFIG_KEYWORD,
    ERROR_MESSAGE,
    ESCALATION,
    ESCALATION_NEGATION,
    HEDGING,
    REPRODUCTION,
    SEVERITY_CRITICAL,
    SEVERITY_HIGH,
    SEVERITY_LOW,
    SEVERITY_MEDIUM,
)


@dataclass(frozen=True)
class TextSignals:
    """Distinct matched phrases per kind of signal, in order of first appearance."""

    escalation: tuple[str, ...]
    bug_generic: tuple[str, ...]
    bug_symptoms: tuple[str, ...]
    error_message: str | None
    reproduction: bool
    behaviour: bool
    config_keywords: tuple[str, ...]
    hedging: tuple[str, ...]
    critical: tuple[str, ...]
    high: tuple[str, ...]
    low: tuple[str, ...]
    medium: tuple[str, ...]

    @property
    def specific_behaviour(self) -> bool:
        """A bug report says what goes wrong (error, steps, a symptom or a behaviour)."""
        return bool(self.error_message or self.reproduction or self.bug_symptoms or self.behaviour)


def _distinct(pattern: re.Pattern[str], text: str) -> tuple[str, ...]:
    seen: list[str] = []
    for match in pattern.finditer(text):
        phrase = " ".join(match.group().split())
        if phrase not in seen:
            seen.append(phrase)
    return tuple(seen)


def _escalation(lower: str) -> tuple[str, ...]:
    seen: list[str] = []
    for match in ESCALATION.finditer(lower):
        if ESCALATION_NEGATION.search(lower[max(0, match.start() - 12) : match.start()]):
            continue
        if match.group() == "security":
            following = lower[match.end() : match.end() + 30].split()
            if following and BENIGN_AFTER_SECURITY.fullmatch(following[0].strip(".,;:!?")):
                continue
        if match.group() not in seen:
            seen.append(match.group())
    return tuple(seen)


def _severity(pattern: re.Pattern[str], lower: str) -> tuple[str, ...]:
    seen: list[str] = []
    for match in pattern.finditer(lower):
        if ESCALATION_NEGATION.search(lower[max(0, match.start() - 12) : match.start()]):
            continue
        phrase = " ".join(match.group().split())
        if phrase not in seen:
            seen.append(phrase)
    return tuple(seen)


def read_signals(text: EventText) -> TextSignals:
    """Every signal in an issue's text."""
    lower = text.lower
    error = ERROR_MESSAGE.search(lower)
    escalation = _escalation(lower)
    # "security team" is no security problem; only the escalating sense makes it critical.
    critical = tuple(
        p for p in _severity(SEVERITY_CRITICAL, lower) if p != "security" or p in escalation
    )
    return TextSignals(
        escalation=escalation,
        bug_generic=_distinct(BUG_GENERIC, lower),
        bug_symptoms=_distinct(BUG_SYMPTOM, lower),
        error_message=" ".join(error.group().split()) if error else None,
        reproduction=REPRODUCTION.search(lower) is not None,
        behaviour=BEHAVIOUR.search(lower) is not None,
        config_keywords=_distinct(CONFIG_KEYWORD, lower),
        hedging=_distinct(HEDGING, lower),
        critical=critical,
        high=_severity(SEVERITY_HIGH, lower),
        low=_severity(SEVERITY_LOW, lower),
        medium=_severity(SEVERITY_MEDIUM, lower),
    )

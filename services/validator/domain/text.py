"""The text of an issue as the Validator reads it: words, sentences and clauses.

Subject and body are read together (subject first) so a ticket whose subject says
"switch off trace viewer" and whose body says "please switch it off" reads as one
request. Offsets into `raw` and `lower` are the same, so every finding can point at
the words that caused it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)
# camelCase and UPPER_SNAKE split into words; underscores, dots and dashes separate.
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+(?:\.\d+)?")
_SENTENCE_BREAK = re.compile(r"[.!?]+(?=[\s)\"']|$)|[;\n]+")
_CLAUSE_OPENER = re.compile(
    r"\b(?:because|since|until|unless|but|although|though|while|whereas|so|due to|when|if|"
    r"after|before)\b"
)


@dataclass(frozen=True)
class Word:
    """A word of the text, lower-cased, with its offsets."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Clause:
    """A stretch of one sentence; `opener` is the subordinating word it starts with."""

    start: int
    end: int
    sentence: int
    opener: str | None


@dataclass(frozen=True)
class EventText:
    """Subject and body as one text, split into words and clauses."""

    raw: str
    lower: str
    subject_end: int
    words: tuple[Word, ...]
    clauses: tuple[Clause, ...]

    @classmethod
    def of(cls, subject: str, body: str) -> EventText:
        """Read a subject and a body (the subject ends at its own sentence break)."""
        raw = f"{subject}\n{body}".translate(_TYPOGRAPHY)
        # Lower-case char by char so offsets stay aligned with `raw`.
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in raw)
        words = tuple(Word(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(raw))
        return cls(raw, lower, len(subject), words, _clauses(lower))

    def clause_at(self, position: int) -> Clause:
        """The clause that contains `position` (the last one for the very end)."""
        for clause in self.clauses:
            if clause.start <= position < clause.end:
                return clause
        return self.clauses[-1]

    def clause_text(self, clause: Clause) -> str:
        """The lower-cased text of a clause."""
        return self.lower[clause.start : clause.end]

    def sentence_bounds(self, sentence: int) -> tuple[int, int]:
        """Start and end offsets of a sentence."""
        parts = [c for c in self.clauses if c.sentence == sentence]
        return parts[0].start, parts[-1].end

    def words_between(self, start: int, end: int) -> tuple[Word, ...]:
        """The words that lie entirely within [start, end)."""
        return tuple(w for w in self.words if w.start >= start and w.end <= end)


def _clauses(lower: str) -> tuple[Clause, ...]:
    sentences: list[tuple[int, int]] = []
    cursor = 0
    for brk in _SENTENCE_BREAK.finditer(lower):
        if brk.start() > cursor:
            sentences.append((cursor, brk.start()))
        cursor = brk.end()
    if cursor < len(lower) or not sentences:
        sentences.append((cursor, len(lower)))
    clauses: list[Clause] = []
    for index, (start, end) in enumerate(sentences):
        cuts: list[tuple[int, str | None]] = [(start, None)]
        for opener in _CLAUSE_OPENER.finditer(lower, start, end):
            if lower[start : opener.start()].strip(" ,:-(\t"):
                cuts.append((opener.start(), opener.group()))
            else:
                cuts[0] = (start, opener.group())
        bounds: list[tuple[int, str | None]] = [*cuts[1:], (end, None)]
        for (cut, word), (nxt, _) in zip(cuts, bounds, strict=True):
            clauses.append(Clause(cut, nxt, index, word))
    return tuple(clauses)

"""The words the Validator listens for (SPEC §3 indicator table), as compiled patterns.

Patterns run on lower-cased text. Keeping every word list here means a change to what
counts as an indicator is one reviewed diff (and a VALIDATOR_VERSION bump, VAL-002).
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


# --- capability_request: action verbs and asks for access ------------------------------
_FILLER = r"(?:(?!out\b|up\b|down\b|to\b|into\b|around\b|in\b)[\w'-]+\s+){0,3}?"
ENABLE_BASE = _words(
    r"(?:re-?)?enabl(?:e|es|ing)",
    r"activat(?:e|es|ing)",
    r"turn(?:s|ing)?\s+" + _FILLER + r"on",
    r"switch(?:es|ing)?\s+" + _FILLER + r"on",
)
ENABLE_PARTICIPLE = _words(
    r"(?:re-?)?enabled",
    r"activated",
    r"turned\s+" + _FILLER + r"on",
    r"switched\s+" + _FILLER + r"on",
)
DISABLE_BASE = _words(
    r"disabl(?:e|es|ing)",
    r"deactivat(?:e|es|ing)",
    r"turn(?:s|ing)?\s+" + _FILLER + r"off",
    r"switch(?:es|ing)?\s+" + _FILLER + r"off",
    r"shut(?:s|ting)?\s+" + _FILLER + r"off",
)
DISABLE_PARTICIPLE = _words(
    r"disabled",
    r"deactivated",
    r"turned\s+" + _FILLER + r"off",
    r"switched\s+" + _FILLER + r"off",
    r"shut\s+off",
)
ACCESS_ASK = _words(
    r"(?:get|have|give (?:us|them|me)|grant(?: us| them| me)?) access",
    r"access to",
    r"opt(?:ed)? in(?: to)?",
    r"sign (?:us |them )?up for",
    r"early access",
    r"trial of",
)
#: An ask whose object must follow at once ("can we have the trace viewer", "try X").
ACCESS_OBJECT_ASK = _words(
    r"(?:is it|would it be) possible to (?:have|get|try)(?: out)?",
    r"(?:can|could) (?:we|i) (?:have|get|try)(?: out)?",
    r"(?:would|we'd|i'd|they'd) (?:like|love) to (?:have|get|try)(?: out)?",
    r"want to (?:have|get|try)(?: out)?",
)
#: Words that make a clause a request rather than a description.
REQUEST_MARKER = _words(
    r"please",
    r"pls",
    r"plz",
    r"kindly",
    r"can (?:you|we|i)",
    r"could (?:you|we|i)",
    r"would you",
    r"need(?:s|ed)?",
    r"want(?:s|ed)?",
    r"would (?:like|love)",
    r"(?:we|i|they|you)'d (?:like|love)",
    r"ask(?:s|ed|ing)?",
    r"request(?:s|ed|ing)?",
    r"recommend(?:s|ed|ing)?",
    r"suggest(?:s|ed|ing)?",
    r"(?:should|must|needs to) be",
    r"let's",
    r"(?:is it|would it be) possible",
    r"go ahead",
    r"would be (?:nice|great|good|helpful)",
    r"nice to have",
)
NEGATION = _words(r"don't", r"dont", r"do not", r"never", r"not", r"no need to", r"stop")
PRONOUN = _words(r"it", r"them", r"this", r"that", r"these", r"those", r"both")
HEDGING = _words(
    r"maybe",
    r"perhaps",
    r"not sure",
    r"something like",
    r"some (?:kind|sort) of",
    r"kind of",
    r"sort of",
    r"somehow",
    r"or something",
    r"i guess",
    r"stuff",
)
LIFECYCLE_WORDS = (
    ("PREVIEW", _words(r"preview", r"beta", r"early access")),
    ("LAUNCHED", _words(r"launched", r"ga", r"general availability", r"generally available")),
    ("DEPRECATED", _words(r"deprecated")),
)
REASON_OPENERS = frozenset({"because", "since", "due to"})

# --- bug_report ----------------------------------------------------------------------------
#: Says something is wrong without saying what.
BUG_GENERIC = _words(
    r"bugs?",
    r"buggy",
    r"broken",
    r"not working",
    r"(?:doesn't|does not|don't|do not|isn't|is not) work(?:ing)?",
    r"stopped working",
    r"errors?",
    r"fail(?:s|ed|ing|ure|ures)?",
    r"glitch(?:es)?",
    r"regression",
    r"defect",
)
#: Says what is wrong: a concrete symptom (also makes a report specific).
BUG_SYMPTOM = _words(
    r"crash(?:es|ed|ing)?",
    r"hang(?:s|ing)?",
    r"freez(?:e|es|ing)",
    r"blank",
    r"empty",
    r"missing",
    r"wrong",
    r"incorrect",
    r"inconsistent",
    r"typos?",
    r"misaligned",
    r"outdated",
    r"slow(?:er|ly)?",
    r"time ?outs?",
    r"timed out",
    r"lag(?:s|ging)?",
    r"latency",
    r"degraded",
    r"spinner",
    r"loads forever",
    r"disappeared",
    r"gone",
    r"drop(?:s|ped|ping)",
    r"gaps",
    r"duplicat(?:e|ed|es)",
    r"repeats",
    r"[45]xx",
    r"outages?",
    r"(?:is|are|went|goes) down",
    r"down for",
    r"unavailable",
    r"not (?:load|sav|show|updat|send|display|render|respond|refresh|deliver|open)\w*",
    r"(?:can't|cannot|can not|unable to|won't|doesn't|does not) "
    r"(?:open|load|save|see|access|export|search|display|show|render)\w*",
)
#: Describes behaviour without naming a fault; only counts towards "specific".
BEHAVIOUR = _words(
    r"shows?",
    r"showing",
    r"returns?",
    r"returning",
    r"displays?",
    r"says",
    r"expected",
    r"actual(?:ly)?",
    r"instead of",
    r"takes? \d+",
    r"\d+ ?(?:ms|s|sec|secs|seconds|minutes|%)",
)
ERROR_MESSAGE = re.compile(
    r"\b[a-z]*(?:error|exception)\s*:"
    r"|\b[a-z]+(?:error|exception)\b"
    r"|traceback|stack ?trace"
    r"|\b(?:http|status|code|error)\s*[45]\d\d\b"
    r"|\b[45]\d\d\s+(?:internal|bad|not found|service|too many|gateway|forbidden|unauthori[sz]ed)"
    r"|\b(?:with|returns?|returned|got|getting|throws?|gives?|responds? with)\s+(?:an?\s+)?"
    r"(?:http\s*)?[45]\d\d\b"
    r"|\b[45]\d\ds\b|\b[45]xx\b"
    r"|\berr_[a-z0-9_]+"
    r"|\berror rate\b[^.\n]{0,20}\d"
    r"|\btimed out after \d+"
    r"|[\"'`][^\"'`\n]{0,120}(?:error|exception|failed|failure|timeout|timed out|denied|refused|"
    r"invalid|not found|unavailable|exceeded|cannot|can't|unable)[^\"'`\n]{0,120}[\"'`]"
)
REPRODUCTION = re.compile(
    r"steps to reproduce|to reproduce|reproduc(?:e|ed|ible|tion)\b|\brepro\b|\bstep 1\b"
    r"|(?:^|\n)\s*1[.)]\s+\S[^\n]*\n\s*2[.)]\s+\S"
)

# --- configuration_change ----------------------------------------------------------------
CONFIG_KEYWORD = _words(
    r"configur(?:e|ed|ing|ation)",
    r"config",
    r"settings?",
    r"parameters?",
    r"thresholds?",
    r"limits?",
    r"quotas?",
    r"rate[- ]limit(?:s|ed|ing)?",
)
_CHANGE_VERB = (
    r"(?:set|setting|change[sd]?|changing|rais(?:e|ed|es|ing)|increas(?:e|ed|es|ing)"
    r"|lower(?:ed|s|ing)?|reduc(?:e|ed|es|ing)|decreas(?:e|ed|es|ing)|bump(?:ed|s|ing)?"
    r"|updat(?:e|ed|es|ing)|adjust(?:ed|s|ing)?|tun(?:e|ed|ing)|doubl(?:e|ed|ing))"
)
_VALUE_START = r"(?:about |around |~)?(?:-?\d|\"|'|true\b|false\b|on\b|off\b)"
#: Asks for a new value (with or without a key named).
CHANGE_INTENT = re.compile(
    r"\b"
    + _CHANGE_VERB
    + r"\b[^.!?;\n]{0,60}?\bto\s+"
    + _VALUE_START
    + r"|\bmake it\s+"
    + _VALUE_START
    + r"|\bfrom\s+[\w.'\"-]+\s+to\s+[\w.'\"-]+"
    + r"|\d[\d,.]*\s*\w*\s+(?:[a-z]+\s+){0,4}instead of\s+\d"
    # "refresh faster? like every 10 seconds": a comparative wish with a number ("than"
    # would make it a description: "takes longer than 30 seconds").
    + r"|\b(?:faster|slower|more often|less often|higher|lower|longer|shorter|bigger|larger"
    + r"|smaller)\b(?!\s+than)[^.!\n]{0,12}?\b(?:like|say|ideally|maybe|at least|at most"
    + r"|around|about|e\.g\.)\s+(?:every\s+)?\d"
)
#: A keyless "raise it to 120" that continues a sentence naming the key.
KEYLESS_TARGET = re.compile(
    r"\b"
    + _CHANGE_VERB
    + r"\b(?:\s+(?:it|this|that|the value|them))?\s+to\s+(?=\S)"
    + r"|\bmake it\s+(?=\S)"
)
#: Marks where a desired value follows a key: "to", "=", ":", "be", "make it".
VALUE_MARKER = re.compile(r"\bto\s+|=\s*|:\s*|\bbe\s+|\bmake it\s+")
#: Words just before a key that make the value after it the current one, not the wish.
CURRENT_MARKER = _words(r"current(?:ly)?", r"existing", r"present")
SYSTEM_WORDING = _words(r"system", r"global(?:ly)?", r"platform[- ]wide", r"everywhere")

# --- escalation (VAL-005) --------------------------------------------------------------------
ESCALATION = _words(
    r"urgent(?:ly)?",
    r"emergency",
    r"critical",
    r"security",
    r"breach(?:ed|es)?",
    r"leak(?:s|ed|ing|age)?",
    r"vulnerabilit(?:y|ies)",
    r"exploit(?:s|ed)?",
    r"compromised",
    r"unauthori[sz]ed access",
    r"hacked",
    r"injection",
    r"malware",
    r"ransomware",
    r"phishing",
    r"unsafe",
    r"safety",
)
#: "security team" asks nothing of a human on call; "security incident" does.
BENIGN_AFTER_SECURITY = _words(
    r"team",
    r"department",
    r"officer",
    r"review",
    r"questionnaire",
    r"policy",
    r"policies",
    r"requirements?",
    r"compliance",
)
ESCALATION_NEGATION = re.compile(r"(?:\bnot|\bno|\bnon-?|\bnothing|\bisn't|\bwasn't|\bnever)\W*$")

# --- severity ------------------------------------------------------------------------------
SEVERITY_CRITICAL = _words(
    r"all (?:tenants|customers|regions|orgs|organi[sz]ations)",
    r"every (?:tenant|customer|region)",
    r"(?:multiple|many|several|other) tenants?",
    r"multi-?tenant",
    r"cross-?tenant",
    r"platform[- ]wide",
    r"everyone",
    r"security",
    r"breach(?:ed|es)?",
    r"leak(?:s|ed|ing|age)?",
    r"vulnerabilit(?:y|ies)",
    r"data (?:loss|corruption|integrity)",
    r"corrupt(?:ed|ion)?",
    r"(?:lost|losing) data",
    r"being dropped",
    r"outage",
    r"(?:is|are|went|goes) down",
    r"down for",
    r"unavailable",
)
SEVERITY_HIGH = _words(
    r"blocked",
    r"blocking",
    r"blocker",
    r"(?:cannot|can't|can not) use",
    r"unusable",
    r"(?:completely|fully|totally) (?:broken|blocked|down)",
    r"at all",
    r"no workaround",
    r"stopped working",
    r"none of (?:our|their|my)",
    r"all (?:of )?(?:our|their|my) users",
    r"whole company",
)
SEVERITY_LOW = _words(
    r"cosmetic",
    r"typos?",
    r"misaligned",
    r"alignment",
    r"colou?rs?",
    r"fonts?",
    r"spelling",
    r"wording",
    r"nice to have",
    r"would be nice",
    r"enhancement",
    r"suggestion",
    r"minor",
    r"documentation",
    r"docs(?:-only)?",
    r"tooltip",
    r"low priority",
)
SEVERITY_MEDIUM = _words(r"degraded", r"workaround", r"slow(?:er)?", r"intermittent(?:ly)?")

# --- context inference ---------------------------------------------------------------------
UPPER_SNAKE = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![A-Za-z0-9_])")
#: UPPER_SNAKE tokens that are error codes, not capabilities.
ERROR_LIKE = re.compile(
    r"^(?:ERR|ERROR|E|HTTP|EXC|SIG)_|_(?:ERROR|EXCEPTION|TIMEOUT|FAILED|FAILURE|DENIED|REFUSED|"
    r"NOT_FOUND|INVALID|EXCEEDED)$"
)
TIME_UNITS = {
    "ms": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
#: Key suffixes that name a unit rather than a concept ("retention_days").
KEY_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "ms": 0.001}

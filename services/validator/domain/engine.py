"""`validate`: one issue and one registry snapshot in, one advisory verdict out (SPEC §3).

Stateless and deterministic (VAL-001): the verdict depends only on the arguments —
no clock (`now` is passed in), no I/O, no randomness, no iteration over unordered
collections. Every verdict carries `validator_version` (VAL-002). `validate` never
raises: an internal error becomes the fallback verdict.

Human notification (VAL-005) is signalled inside the verdict, so it travels with it
through the mesh without a schema change: `evidence` then contains `notify:human`.
It is set for every verdict whose recommended action is escalate — the escalation
type (VAL-005) and critical bug reports — because both wait for a human; use
`requires_human_notification(verdict)` rather than looking for the string.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from govmesh.schemas import (
    SYSTEM_SCOPE,
    ConfigurationUpdate,
    CrmEvent,
    IssueType,
    ParameterChange,
    ProposedChange,
    RecommendedAction,
    ValidatorVerdict,
)
from govmesh.schemas.changes import change_target
from govmesh.validator.domain.assignments import (
    Assignment,
    KeyMention,
    find_assignments,
    find_keys,
    has_change_intent,
    keyless_values,
)
from govmesh.validator.domain.capabilities import CapabilityMention, affected, find_mentions
from govmesh.validator.domain.changes import ChangeProposal, ChangeSource, propose
from govmesh.validator.domain.classification import classify
from govmesh.validator.domain.confidence import (
    Term,
    TypeFacts,
    as_score,
    registry_term,
    source_term,
    total,
    type_terms,
)
from govmesh.validator.domain.fallback import ValidatorErrorKind, fallback_verdict
from govmesh.validator.domain.hints import hint_term
from govmesh.validator.domain.indicators import collect
from govmesh.validator.domain.recommendation import recommend
from govmesh.validator.domain.registry import RegistrySnapshot
from govmesh.validator.domain.requests import read_requests
from govmesh.validator.domain.severity import assess
from govmesh.validator.domain.signals import read_signals
from govmesh.validator.domain.text import EventText
from govmesh.validator.domain.values import ProseValue, ValueKind, fit_value
from govmesh.validator.domain.version import VALIDATOR_VERSION

#: Evidence entry that asks for a human to be notified (VAL-005).
NOTIFY_HUMAN = "notify:human"
#: Below this confidence (hundredths) a classified issue becomes unknown (SPEC §3).
UNKNOWN_BELOW = 30
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def validate(
    event: CrmEvent,
    registry: RegistrySnapshot,
    now: datetime,
    *,
    proposed_override: list[ProposedChange] | None = None,
) -> ValidatorVerdict:
    """The Validator's verdict on `event`, judged against `registry` at time `now`.

    `proposed_override` carries a founder's revised changes (MODIFY_SCOPE, REVIEW-005):
    they become the proposed changes and define the affected capabilities, and the
    issue is classified afresh. Never raises (see the module docstring).
    """
    if not isinstance(now, datetime):
        now = _EPOCH
    if not isinstance(event, CrmEvent):
        return fallback_verdict(ValidatorErrorKind.PARSE_ERROR, now)
    if not isinstance(registry, RegistrySnapshot):
        return fallback_verdict(ValidatorErrorKind.REGISTRY_UNAVAILABLE, now)
    try:
        return _validate(event, registry, now, proposed_override)
    except Exception:
        # SPEC §3: on any internal error emit the fallback verdict, never an exception.
        return fallback_verdict(ValidatorErrorKind.UNKNOWN, now)


def requires_human_notification(verdict: ValidatorVerdict) -> bool:
    """Whether the verdict asks for a human to be notified (VAL-005)."""
    return NOTIFY_HUMAN in verdict.evidence


def _validate(
    event: CrmEvent,
    registry: RegistrySnapshot,
    now: datetime,
    override: Sequence[ProposedChange] | None,
) -> ValidatorVerdict:
    payload = event.payload
    text = EventText.of(payload.subject, payload.body)
    keys = find_keys(text, registry)
    known_keys = (*registry.config_keys(), *(k.key for k in keys))
    mentions = find_mentions(text, registry, known_keys)
    requests = read_requests(text, mentions)
    assignments = find_assignments(text, registry, keys)
    keyless = keyless_values(text)
    signals = read_signals(text)
    proposal = propose(
        text=text,
        body=payload.body,
        structured_data=payload.structured_data,
        registry=registry,
        requests=requests,
        assignments=assignments,
        mentions=mentions,
        override=override,
    )
    capabilities = _affected(mentions, proposal)
    indicators = collect(
        signals=signals,
        requests=requests,
        mentions=mentions,
        keys=keys,
        assignments=assignments,
        keyless=keyless,
        change_intent=has_change_intent(text),
        proposal=proposal,
    )
    classification = classify(indicators, requests.conflicts)
    key_exists, value_valid = _config_facts(proposal, assignments, keyless, keys, registry)
    facts = TypeFacts(
        capability_in_registry=any(registry.contains(c) for c in capabilities),
        clear_action_verb=requests.has_action_verb,
        vague=not capabilities or bool(signals.hedging),
        error_message=signals.error_message is not None,
        reproduction_steps=signals.reproduction,
        specific_behaviour=signals.specific_behaviour,
        key_exists=key_exists,
        value_valid=value_valid,
    )
    issue_type = classification.issue_type
    scopes = list(capabilities)
    if any(change_target(c) == SYSTEM_SCOPE for c in proposal.changes or ()):
        scopes.append(SYSTEM_SCOPE)
    terms: list[Term] = [
        source_term(event.envelope.source),
        *type_terms(issue_type, facts),
        registry_term(scopes, [registry.contains(s) for s in scopes]),
    ]
    hints = hint_term(event, issue_type, capabilities)
    if hints is not None:
        terms.append(hints)
    confidence = total(terms)
    rationale = classification.rationale
    if issue_type not in (IssueType.ESCALATION, IssueType.UNKNOWN) and confidence < UNKNOWN_BELOW:
        rationale = f"{issue_type} but confidence {as_score(confidence):.2f} is below 0.30"
        issue_type = IssueType.UNKNOWN
    severity = assess(signals, confidence)
    recommendation = recommend(issue_type, severity.severity, confidence)
    evidence = [
        f"registry:version={registry.version}",
        *(i.evidence() for i in indicators),
        *_first_mentions(mentions, text),
        f"proposed_changes:{proposal.source}",
        *proposal.notes,
        *(t.evidence() for t in terms),
        f"confidence:total={as_score(confidence):.2f}",
        f"classification:{issue_type}={rationale}",
        severity.evidence(),
        recommendation.evidence(),
    ]
    if recommendation.action is RecommendedAction.ESCALATE:
        evidence.append(NOTIFY_HUMAN)
    reason = (
        f"Classified as {issue_type} ({rationale}); severity {severity.severity} "
        f"({severity.because}); confidence {as_score(confidence):.2f}; recommended "
        f"{recommendation.action} ({recommendation.rule}). Capabilities: "
        f"{', '.join(capabilities) or 'none identified'}."
    )
    return ValidatorVerdict(
        issue_type=issue_type,
        severity=severity.severity,
        affected_capabilities=capabilities,
        recommended_action=recommendation.action,
        confidence_score=as_score(confidence),
        reason=reason,
        evidence=evidence,
        analyzed_at=now,
        validator_version=VALIDATOR_VERSION,
        proposed_changes=list(proposal.changes) if proposal.changes else None,
        proposed_changes_reason=proposal.reason,
    )


def _affected(mentions: Sequence[CapabilityMention], proposal: ChangeProposal) -> list[str]:
    """Capabilities found in the text plus those the changes touch (SYSTEM excluded).

    A founder's revision defines the scope on its own: REVIEW-005 revalidates the
    revised changes, not the original wording.
    """
    targets = [change_target(c) for c in proposal.changes or ()]
    targets = [t for t in targets if t != SYSTEM_SCOPE]
    names = [] if proposal.source is ChangeSource.FOUNDER_REVISION else affected(mentions)
    for target in targets:
        if target not in names:
            names.append(target)
    return names


def _first_mentions(mentions: Sequence[CapabilityMention], text: EventText) -> list[str]:
    seen: set[str] = set()
    entries: list[str] = []
    for mention in mentions:
        if mention.name not in seen:
            seen.add(mention.name)
            entries.append(mention.evidence(text))
    return entries


def _config_facts(
    proposal: ChangeProposal,
    assignments: Sequence[Assignment],
    keyless: Sequence[ProseValue],
    keys: Sequence[KeyMention],
    registry: RegistrySnapshot,
) -> tuple[bool | None, bool | None]:
    """(key exists, value format valid) for the configuration modifiers; None: not judged."""
    pairs: list[tuple[str, str, Any]] = []
    for change in proposal.changes or ():
        if isinstance(change, ConfigurationUpdate):
            pairs.append((change.scope, change.key, change.new_value))
        elif isinstance(change, ParameterChange):
            pairs.extend((change.scope, k, v) for k, v in change.parameters.items())
    if pairs:
        configs = [registry.config_of(scope) for scope, _, _ in pairs]
        exists = all(
            c is not None and key in c for c, (_, key, _) in zip(configs, pairs, strict=True)
        )
        valid = all(
            _fits_type(value, (c or {}).get(key))
            for c, (_, key, value) in zip(configs, pairs, strict=True)
        )
        return exists, valid
    if assignments:
        exists = all(a.known for a in assignments)
        valid = all(fit_value(a.value, _current(registry, a.key), a.key)[0] for a in assignments)
        return exists, valid
    exists_mentioned = any(k.known for k in keys) or None
    if keyless:
        return exists_mentioned, all(v.kind is not ValueKind.WORD for v in keyless)
    return exists_mentioned, None


def _current(registry: RegistrySnapshot, key: str) -> Any:
    for owner in registry.owners_of(key):
        config = registry.config_of(owner)
        if config is not None:
            return config.get(key)
    return None


def _fits_type(value: Any, current: Any) -> bool:
    if current is None:
        return True
    if isinstance(current, bool):
        return isinstance(value, bool)
    if isinstance(current, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(current, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(current))

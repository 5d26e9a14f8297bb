"""Pure ingest rules (SPEC §2, GATE-8): no I/O, no clock reads, time is passed in."""

from govmesh.ingest.domain.acceptance import issue_accepted, stamp_received
from govmesh.ingest.domain.auth import (
    ANY_SOURCE_SYSTEM,
    API_KEY_FIELD,
    authenticate,
    check_binding,
    may_act_for,
)
from govmesh.ingest.domain.dedup import (
    DuplicateReason,
    KeyDecision,
    KeyHolder,
    decide_key,
    reference_is_duplicate,
)
from govmesh.ingest.domain.errors import WHOLE_DOCUMENT, ErrorCode, FieldError, Invalid
from govmesh.ingest.domain.lifecycle import (
    INITIAL,
    TERMINAL,
    TRANSITIONS,
    IssueStatus,
    IssueTransitionRefused,
    path_to,
    transition,
)
from govmesh.ingest.domain.policy import IngestPolicy
from govmesh.ingest.domain.rate_limit import (
    Bucket,
    RateDecision,
    RateLimit,
    RateLimiter,
    rate_limited,
    take,
)
from govmesh.ingest.domain.requester_view import (
    ContractOutcome,
    RequesterStatus,
    RequesterView,
    latest_contract,
    requester_view,
)
from govmesh.ingest.domain.validation import check_size, payload_too_large, validate_event

__all__ = [
    "ANY_SOURCE_SYSTEM",
    "API_KEY_FIELD",
    "INITIAL",
    "TERMINAL",
    "TRANSITIONS",
    "WHOLE_DOCUMENT",
    "Bucket",
    "ContractOutcome",
    "DuplicateReason",
    "ErrorCode",
    "FieldError",
    "IngestPolicy",
    "Invalid",
    "IssueStatus",
    "IssueTransitionRefused",
    "KeyDecision",
    "KeyHolder",
    "RateDecision",
    "RateLimit",
    "RateLimiter",
    "RequesterStatus",
    "RequesterView",
    "authenticate",
    "check_binding",
    "check_size",
    "decide_key",
    "issue_accepted",
    "latest_contract",
    "may_act_for",
    "path_to",
    "payload_too_large",
    "rate_limited",
    "reference_is_duplicate",
    "requester_view",
    "stamp_received",
    "take",
    "transition",
    "validate_event",
]

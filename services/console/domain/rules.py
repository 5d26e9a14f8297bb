"""Rule IDs the console names when it refuses an action it can already judge.

They are the contract authority's IDs (SPEC §6, §8 and the contracts service's own
REVIEW-… additions): the console only ever refuses what contracts would refuse, so a
founder sees the same rule whichever of the two answered.
"""

from __future__ import annotations

from typing import Final

REVIEW_001: Final = "REVIEW-001"  # only ELIGIBLE contracts are reviewed
REVIEW_002: Final = "REVIEW-002"  # rejection reason longer than 10 characters
REVIEW_003: Final = "REVIEW-003"  # activation window must end after its start and after now
REVIEW_DUPLICATE_FOUNDER: Final = "REVIEW-DUPLICATE-FOUNDER"  # a founder approves once
REVIEW_CLARIFICATION_PENDING: Final = "REVIEW-CLARIFICATION-PENDING"
JOB_CANCEL: Final = "JOB-CANCEL"  # only the job of an ACTIVE contract can be cancelled
AUDIT_004: Final = "AUDIT-004"  # PASS is never revoked, FAIL never overridden

#: SPEC §6: "reason required, more than 10 characters".
MIN_REJECTION_REASON: Final = 11

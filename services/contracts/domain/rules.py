"""Rule IDs the contract domain refuses with (SPEC §5, §6, §7, §10, plus our own).

IDs from SPEC.md keep their names; the IDs we added where SPEC is silent are
prefixed with the area they belong to (REVIEW-…, ACTIVATION-…, JOB-…).
"""

from __future__ import annotations

from typing import Final

CONTRACT_001: Final = "CONTRACT-001"  # transitions follow the table
CONTRACT_002: Final = "CONTRACT-002"  # APPROVED has approved_by
CONTRACT_003: Final = "CONTRACT-003"  # ACTIVE has its job
CONTRACT_004: Final = "CONTRACT-004"  # COMPLETED has audit PASS
CONTRACT_005: Final = "CONTRACT-005"  # terminal contracts never change
CONTRACT_006: Final = "CONTRACT-006"  # proposed_changes schema-valid
CONTRACT_007: Final = "CONTRACT-007"  # confidence in [0, 1]
CONTRACT_SCHEMA: Final = "CONTRACT-SCHEMA"  # the snapshot itself failed its schema
CONTRACT_ID_MISMATCH: Final = "CONTRACT-ID-MISMATCH"

SM_001: Final = "SM-001"  # a job exists only for an ACTIVE (or later) contract
SM_002: Final = "SM-002"  # an audit only for a completed job
SM_003: Final = "SM-003"  # COMPLETED requires audit PASS
SM_006: Final = "SM-006"  # exactly one job per contract
AUDIT_004: Final = "AUDIT-004"  # verdicts are immutable: PASS never revoked, FAIL never overridden

REVIEW_001: Final = "REVIEW-001"  # only ELIGIBLE contracts are reviewed
REVIEW_002: Final = "REVIEW-002"  # rejection reason longer than 10 characters
REVIEW_003: Final = "REVIEW-003"  # activation window (default now .. now + 24 h)
REVIEW_004: Final = "REVIEW-004"  # every action recorded with reason or modifications
REVIEW_005: Final = "REVIEW-005"  # modify scope: new proposed_changes, re-validated
REVIEW_006: Final = "REVIEW-006"  # warning 5 d, escalation 6 d, expiry 7 d
REVIEW_EXPIRED: Final = "REVIEW-EXPIRED"
REVIEW_DUPLICATE_FOUNDER: Final = "REVIEW-DUPLICATE-FOUNDER"
REVIEW_AUTHORITY: Final = "REVIEW-AUTHORITY"
REVIEW_CLARIFICATION_PENDING: Final = "REVIEW-CLARIFICATION-PENDING"
REVIEW_NO_CLARIFICATION_PENDING: Final = "REVIEW-NO-CLARIFICATION-PENDING"
REVIEW_UNSUPPORTED_ACTION: Final = "REVIEW-UNSUPPORTED-ACTION"
REVIEW_CONTRACT_MISMATCH: Final = "REVIEW-CONTRACT-MISMATCH"
REVIEW_UNKNOWN_CONTRACT: Final = "REVIEW-UNKNOWN-CONTRACT"  # no contract with that id

JOB_CANCEL: Final = "JOB-CANCEL"  # only the job of an ACTIVE contract can be cancelled

E_104: Final = "E-104"  # system health not HEALTHY
E_006: Final = "E-006"  # an open contract already claims a capability (race-free half)
ELIG_005: Final = "ELIG-005"  # frozen capability

ACTIVATION_WINDOW: Final = "ACTIVATION-WINDOW"  # APPROVED -> ACTIVE only inside the window

JOB_001: Final = "JOB-001"  # every step target in the contract's scope or SYSTEM
JOB_006: Final = "JOB-006"  # rollback: completed steps compensated in reverse order
JOB_CONSTRAINTS: Final = "JOB-CONSTRAINTS"  # execution_constraints unusable

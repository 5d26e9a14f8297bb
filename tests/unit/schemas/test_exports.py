"""The public surface of `govmesh.schemas` is a contract between services: add, never rename."""

from __future__ import annotations

import pytest

import govmesh.schemas

pytestmark = pytest.mark.unit

PINNED_EXPORTS = [
    "Attachment",
    "Attribution",
    "AuditCheckResult",
    "AuditVerdict",
    "CapabilityDisable",
    "CapabilityEnable",
    "CheckOutcome",
    "ConfigurationUpdate",
    "ContractLifecycle",
    "ContractSnapshot",
    "ContractStatus",
    "CrmEnvelope",
    "CrmEvent",
    "DeadLetter",
    "EligibilityDecision",
    "EligibilityVerdict",
    "Envelope",
    "EventType",
    "FIELD_ERROR_CODES",
    "FounderAction",
    "FounderDecision",
    "GovernanceSignal",
    "HealthSignal",
    "HealthStatus",
    "Hints",
    "IssueAccepted",
    "IssueRevised",
    "IssueType",
    "JobCancelRequested",
    "JobEvent",
    "JobEventKind",
    "JobKind",
    "JobRequested",
    "JobStatus",
    "Lifecycle",
    "Model",
    "Notification",
    "NotificationKind",
    "ParameterChange",
    "Payload",
    "PlannedStep",
    "Principal",
    "ProposalAssessed",
    "ProposalValidated",
    "ProposedChange",
    "ProposedChanges",
    "RecommendedAction",
    "RegistryState",
    "RuleResult",
    "SCHEMA_VERSION",
    "SYSTEM_SCOPE",
    "Severity",
    "SignalType",
    "Source",
    "StepRecord",
    "StepStatus",
    "StepType",
    "SubmitterType",
    "TOPICS",
    "TenantContext",
    "TopicSpec",
    "Transition",
    "ValidatorVerdict",
    "Verdict",
    "canonical_bytes",
    "digest",
    "dlq_topic",
    "message_types",
    "topic",
]


def test_public_exports_are_exactly_the_pinned_list() -> None:
    assert sorted(govmesh.schemas.__all__) == PINNED_EXPORTS, (
        "govmesh.schemas.__all__ changed: services depend on these names; "
        "add new ones here deliberately, never rename or remove"
    )


def test_public_exports_are_unique_and_importable() -> None:
    assert len(set(govmesh.schemas.__all__)) == len(govmesh.schemas.__all__)
    missing = [name for name in govmesh.schemas.__all__ if not hasattr(govmesh.schemas, name)]
    assert missing == []


def test_every_message_type_is_exported_under_its_wire_name() -> None:
    for name, model in govmesh.schemas.message_types().items():
        assert getattr(govmesh.schemas, name) is model

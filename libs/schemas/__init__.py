"""Every topic's message model, the envelope, the topic registry and canonical encoding.

This package is the single source of truth for what travels through the mesh.
The public names below are pinned by a test: add, never rename or remove.
"""

from govmesh.schemas.audits import AuditCheckResult, AuditVerdict, CheckOutcome, Verdict
from govmesh.schemas.canonical import canonical_bytes, digest
from govmesh.schemas.changes import (
    CapabilityDisable,
    CapabilityEnable,
    ConfigurationUpdate,
    ParameterChange,
    ProposedChange,
    ProposedChanges,
)
from govmesh.schemas.common import (
    SYSTEM_SCOPE,
    EventType,
    HealthStatus,
    IssueType,
    Lifecycle,
    Model,
    Principal,
    RecommendedAction,
    Severity,
    Source,
    SubmitterType,
)
from govmesh.schemas.contracts import (
    ContractLifecycle,
    ContractSnapshot,
    ContractStatus,
    FounderAction,
    FounderDecision,
    Transition,
)
from govmesh.schemas.crm import (
    FIELD_ERROR_CODES,
    Attachment,
    Attribution,
    CrmEnvelope,
    CrmEvent,
    Hints,
    Payload,
    TenantContext,
)
from govmesh.schemas.dlq import DeadLetter
from govmesh.schemas.envelope import SCHEMA_VERSION, Envelope
from govmesh.schemas.governance import GovernanceSignal, SignalType
from govmesh.schemas.health import HealthSignal
from govmesh.schemas.issues import IssueAccepted, IssueRevised
from govmesh.schemas.jobs import (
    JobCancelRequested,
    JobEvent,
    JobEventKind,
    JobKind,
    JobRequested,
    JobStatus,
    PlannedStep,
    StepRecord,
    StepStatus,
    StepType,
)
from govmesh.schemas.notifications import Notification, NotificationKind
from govmesh.schemas.proposals import (
    EligibilityDecision,
    EligibilityVerdict,
    ProposalAssessed,
    ProposalValidated,
    RuleResult,
    ValidatorVerdict,
)
from govmesh.schemas.registry_state import RegistryState
from govmesh.schemas.topics import TOPICS, TopicSpec, dlq_topic, message_types, topic

__all__ = [
    "FIELD_ERROR_CODES",
    "SCHEMA_VERSION",
    "SYSTEM_SCOPE",
    "TOPICS",
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
    "Severity",
    "SignalType",
    "Source",
    "StepRecord",
    "StepStatus",
    "StepType",
    "SubmitterType",
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

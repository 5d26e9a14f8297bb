"""Base model and the enumerations shared by several topics."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

SYSTEM_SCOPE = "SYSTEM"


class Model(BaseModel):
    """A frozen message model: unknown fields are refused, aliases are used on the wire."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class Message(Model):
    """A model that travels as the `data` of an envelope; `TYPE` names it on the wire."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[str] = "1.0.0"
    #: Dotted field path -> the error code a refusal of that field is reported with.
    #: Empty: refusals are reported as `schema_invalid`.
    FIELD_CODES: ClassVar[dict[str, str]] = {}


class Principal(StrEnum):
    """Identities that may produce or consume topics; each has its own signing key."""

    CRM = "crm"
    INGEST = "ingest"
    VALIDATOR = "validator"
    ELIGIBILITY = "eligibility"
    CONTRACTS = "contracts"
    CONSOLE = "console"
    EXECUTOR = "executor"
    AUDITOR = "auditor"
    HEALTH = "health"


class EventType(StrEnum):
    ISSUE = "issue"
    FEEDBACK = "feedback"
    ALERT = "alert"
    ESCALATION = "escalation"


class Source(StrEnum):
    CRM_FEEDBACK = "crm_feedback"
    SUPPORT_TICKET = "support_ticket"
    OPS_ALERT = "ops_alert"
    MANUAL = "manual"
    INTEGRATION = "integration"


class SubmitterType(StrEnum):
    HUMAN = "human"
    SYSTEM = "system"
    INTEGRATION = "integration"


class IssueType(StrEnum):
    CAPABILITY_REQUEST = "capability_request"
    BUG_REPORT = "bug_report"
    CONFIGURATION_CHANGE = "configuration_change"
    ESCALATION = "escalation"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class RecommendedAction(StrEnum):
    CREATE_CONTRACT = "create_contract"
    DEFER = "defer"
    REJECT = "reject"
    ESCALATE = "escalate"


class HealthStatus(StrEnum):
    HEALTHY = "HEALTHY"
    DEGRADED = "DEGRADED"
    UNHEALTHY = "UNHEALTHY"
    UNKNOWN = "UNKNOWN"


class Lifecycle(StrEnum):
    PREVIEW = "PREVIEW"
    LAUNCHED = "LAUNCHED"
    DEPRECATED = "DEPRECATED"

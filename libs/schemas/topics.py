"""The topic registry: the one place that says who may write and read what.

JSON Schemas, the AsyncAPI document, broker ACLs and the runtime's own produce and
consume checks are all derived from `TOPICS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from govmesh.schemas.audits import AuditVerdict
from govmesh.schemas.common import Message, Principal
from govmesh.schemas.contracts import ContractLifecycle, FounderDecision
from govmesh.schemas.crm import CrmEvent
from govmesh.schemas.dlq import DeadLetter
from govmesh.schemas.governance import GovernanceSignal
from govmesh.schemas.health import HealthSignal
from govmesh.schemas.issues import IssueAccepted, IssueRevised
from govmesh.schemas.jobs import JobCancelRequested, JobEvent, JobRequested
from govmesh.schemas.notifications import Notification
from govmesh.schemas.proposals import ProposalAssessed, ProposalValidated
from govmesh.schemas.registry_state import RegistryState

P = Principal


@dataclass(frozen=True)
class TopicSpec:
    name: str
    key: str
    value_types: tuple[type[Message], ...]
    producers: frozenset[Principal]
    consumers: frozenset[Principal]
    partitions: int = 3
    cleanup: Literal["delete", "compact"] = "delete"
    description: str = ""
    types_by_name: dict[str, type[Message]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "types_by_name", {t.TYPE: t for t in self.value_types})


def _spec(
    name: str,
    key: str,
    types: tuple[type[Message], ...],
    producers: set[Principal],
    consumers: set[Principal],
    description: str,
    *,
    cleanup: Literal["delete", "compact"] = "delete",
    partitions: int = 3,
) -> TopicSpec:
    return TopicSpec(
        name=name,
        key=key,
        value_types=types,
        producers=frozenset(producers),
        consumers=frozenset(consumers),
        partitions=partitions,
        cleanup=cleanup,
        description=description,
    )


_MAIN = (
    _spec(
        "crm.events",
        "idempotency_key",
        (CrmEvent,),
        {P.CRM},
        {P.INGEST},
        "CRM, support and alerting events; they initiate, never authorise.",
    ),
    _spec(
        "issues.accepted",
        "issue_id",
        (IssueAccepted,),
        {P.INGEST},
        {P.VALIDATOR},
        "Issues durably received by ingest.",
    ),
    _spec(
        "issues.revised",
        "issue_id",
        (IssueRevised,),
        {P.CONTRACTS},
        {P.VALIDATOR},
        "Founder scope revisions (MODIFY_SCOPE) to be validated afresh.",
    ),
    _spec(
        "proposals.validated",
        "issue_id",
        (ProposalValidated,),
        {P.VALIDATOR},
        {P.ELIGIBILITY, P.INGEST},
        "Advisory validator verdicts (ingest follows them for the issue's status).",
    ),
    _spec(
        "proposals.assessed",
        "issue_id",
        (ProposalAssessed,),
        {P.ELIGIBILITY},
        {P.CONTRACTS},
        "Eligibility verdicts (MAY / MAY_NOT).",
    ),
    _spec(
        "founder.decisions",
        "contract_id",
        (FounderDecision,),
        {P.CONSOLE},
        {P.CONTRACTS},
        "Founder approvals, rejections, clarifications and scope changes.",
    ),
    _spec(
        "contracts.lifecycle",
        "contract_id",
        (ContractLifecycle,),
        {P.CONTRACTS},
        {P.ELIGIBILITY, P.AUDITOR, P.CONSOLE, P.INGEST},
        "Every contract transition with the full contract state.",
        cleanup="compact",
    ),
    _spec(
        "jobs.requested",
        "contract_id",
        (JobRequested, JobCancelRequested),
        {P.CONTRACTS},
        {P.EXECUTOR},
        "Job plans for activated contracts, their rollbacks, and cancels of pending jobs.",
    ),
    _spec(
        "jobs.events",
        "contract_id",
        (JobEvent,),
        {P.EXECUTOR},
        {P.AUDITOR, P.CONTRACTS},
        "Job and step progress with health and registry evidence.",
    ),
    _spec(
        "audits.verdicts",
        "contract_id",
        (AuditVerdict,),
        {P.AUDITOR},
        {P.CONTRACTS},
        "Audit verdicts with every check and its evidence.",
    ),
    _spec(
        "health.signals",
        "scope",
        (HealthSignal,),
        {P.HEALTH},
        {P.ELIGIBILITY, P.CONTRACTS, P.EXECUTOR, P.AUDITOR, P.CONSOLE, P.HEALTH},
        "Health truth per scope.",
        cleanup="compact",
    ),
    _spec(
        "governance.signals",
        "scope+type",
        (GovernanceSignal,),
        {P.CONSOLE, P.EXECUTOR},
        {P.ELIGIBILITY, P.AUDITOR, P.CONTRACTS},
        "Freezes, blocks and pre-approvals.",
        cleanup="compact",
    ),
    _spec(
        "registry.state",
        "capability",
        (RegistryState,),
        {P.EXECUTOR},
        {P.VALIDATOR, P.ELIGIBILITY, P.AUDITOR, P.CONSOLE, P.HEALTH, P.CONTRACTS},
        "The governed registry, one record per capability.",
        cleanup="compact",
    ),
    _spec(
        "notifications",
        "contract_id",
        (Notification,),
        {P.CONTRACTS},
        {P.CONSOLE},
        "Notifications for founders and requesters.",
    ),
)


def dlq_topic(consumer: Principal) -> str:
    """The dead-letter topic a consumer writes refused messages to."""
    return f"{consumer.value}.dlq"


_CONSUMERS = sorted({c for spec in _MAIN for c in spec.consumers}, key=lambda p: p.value)
_DLQS = tuple(
    _spec(
        dlq_topic(c),
        "original key",
        (DeadLetter,),
        {c},
        set(),
        f"Messages refused by {c.value}, with the reason.",
        partitions=1,
    )
    for c in _CONSUMERS
)

TOPICS: dict[str, TopicSpec] = {spec.name: spec for spec in (*_MAIN, *_DLQS)}


def topic(name: str) -> TopicSpec:
    """Look a topic up; an unknown name is a programming error."""
    try:
        return TOPICS[name]
    except KeyError:
        raise KeyError(f"topic {name!r} is not in the registry") from None


def message_types() -> dict[str, type[Message]]:
    """Every message type on the wire, by its `TYPE` name."""
    return {t.TYPE: t for spec in TOPICS.values() for t in spec.value_types}

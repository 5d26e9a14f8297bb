"""The PostgreSQL issue store: de-duplicating inserts, lifecycle events, contract outcomes.

Every function works inside the caller's transaction (an `AsyncConnection` already in
one), so the HTTP path and the `crm.events` consumer both commit the issue, its
RECEIVED event and the outbox row together. `store_issue` runs in a SAVEPOINT: a
duplicate rolls its claims back and leaves the rest of a consumer batch untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

import asyncpg
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from govmesh.ingest.adapters.tables import (
    idempotency_keys,
    issue_contracts,
    issue_events,
    issues,
    source_references,
)
from govmesh.ingest.domain import (
    INITIAL,
    ContractOutcome,
    DuplicateReason,
    IngestPolicy,
    IssueStatus,
    IssueTransitionRefused,
    KeyDecision,
    KeyHolder,
    decide_key,
    path_to,
    reference_is_duplicate,
    stamp_received,
)
from govmesh.mesh.db import RawStatement
from govmesh.mesh.kafka import Outgoing
from govmesh.schemas import ContractSnapshot, ContractStatus, CrmEvent

Ingress = Literal["http", "kafka"]
ACTOR = "ingest"
# The SQLSTATE of `claims_refused()` (migration ingest_0002).
CLAIMS_REFUSED = "GM409"


@dataclass(frozen=True)
class Stored:
    """A new issue, stored RECEIVED."""

    issue_id: UUID
    event_id: UUID
    status: IssueStatus
    received_at: datetime
    recurrence_of: UUID | None


@dataclass(frozen=True)
class Duplicate:
    """An existing issue the submission duplicates; nothing was written for it."""

    issue_id: UUID
    event_id: UUID
    status: IssueStatus
    reason: DuplicateReason


@dataclass(frozen=True)
class IssueStatusRecord:
    """What the requester's status view is built from."""

    issue_id: UUID
    source_system: str
    status: IssueStatus
    contracts: list[ContractOutcome]


async def store_issue(
    conn: AsyncConnection,
    event: CrmEvent,
    *,
    issue_id: UUID,
    received_at: datetime,
    ingress: Ingress,
    causation_id: UUID | None,
    policy: IngestPolicy,
) -> Stored | Duplicate:
    """Store `event` as issue `issue_id` unless the database says it is a duplicate.

    Claims happen in a fixed order (idempotency key, then source reference) so that
    concurrent submissions queue on the same row locks and never deadlock each other.
    """
    savepoint = await conn.begin_nested()
    try:
        outcome = await _claim_and_insert(
            conn, event, issue_id, received_at, ingress, causation_id, policy
        )
    except BaseException:
        await savepoint.rollback()
        raise
    return await _finish(savepoint, outcome)


async def _finish(savepoint: AsyncTransaction, outcome: Stored | Duplicate) -> Stored | Duplicate:
    if isinstance(outcome, Duplicate):
        await savepoint.rollback()
    else:
        await savepoint.commit()
    return outcome


async def _claim_and_insert(
    conn: AsyncConnection,
    event: CrmEvent,
    issue_id: UUID,
    received_at: datetime,
    ingress: Ingress,
    causation_id: UUID | None,
    policy: IngestPolicy,
) -> Stored | Duplicate:
    key = event.envelope.idempotency_key
    recurrence_of: UUID | None = None
    if not await _claim_key(conn, key, issue_id, received_at):
        holder = await _lock_key(conn, key)
        if decide_key(holder, received_at, policy.duplicate_window) is KeyDecision.DUPLICATE:
            return await _duplicate(conn, holder.issue_id, DuplicateReason.IDEMPOTENCY_KEY)
        recurrence_of = holder.issue_id
        await conn.execute(
            sa.update(idempotency_keys)
            .where(idempotency_keys.c.idempotency_key == key)
            .values(issue_id=issue_id, received_at=received_at)
        )
    attribution = event.attribution
    ref_where = sa.and_(
        source_references.c.source_system == attribution.source_system,
        source_references.c.source_reference == attribution.source_reference,
    )
    claimed_ref = await conn.scalar(
        insert(source_references)
        .values(
            source_system=attribution.source_system,
            source_reference=attribution.source_reference,
            issue_id=issue_id,
        )
        .on_conflict_do_nothing()
        .returning(source_references.c.issue_id)
    )
    if claimed_ref is None:
        # The conflicting row is committed (ON CONFLICT waited for it) and never deleted.
        holder_issue: UUID = (
            await conn.execute(
                sa.select(source_references.c.issue_id).where(ref_where).with_for_update()
            )
        ).scalar_one()
        if reference_is_duplicate(holder_issue, recurrence_of):
            return await _duplicate(conn, holder_issue, DuplicateReason.SOURCE_REFERENCE)
        await conn.execute(sa.update(source_references).where(ref_where).values(issue_id=issue_id))
    await _insert_issue(conn, event, issue_id, received_at, ingress, causation_id, recurrence_of)
    return Stored(issue_id, event.envelope.event_id, INITIAL, received_at, recurrence_of)


@dataclass(frozen=True)
class NewIssue:
    """A checked submission to store as a new issue, with its IssueAccepted outbox row."""

    event: CrmEvent
    issue_id: UUID
    received_at: datetime
    ingress: Ingress
    accepted: Outgoing

    @property
    def stored(self) -> Stored:
        """What `insert_new_issues` stored for it, when it did."""
        return Stored(self.issue_id, self.event.envelope.event_id, INITIAL, self.received_at, None)


# One statement for submissions whose idempotency keys and source references are all new
# (the common case): claims, issues, RECEIVED events and outbox rows of many submissions
# in a single round trip and a single commit. The claims are INSERT … ON CONFLICT DO
# NOTHING as in `store_issue`, so the unique keys still decide (SPEC §2), also between two
# rows of one batch. `r` takes only what `k` claimed and `i` only what `r` claimed: keys
# are claimed before references (the order `store_issue` uses, each in sorted order, so
# concurrent writers queue rather than deadlock) and nothing past a refused claim is
# written; a claimed key with a refused reference aborts the statement (migration
# ingest_0002), so no claim outlives it. The outbox rows follow the batch's order.
_INSERT_NEW = RawStatement.of(
    sa.text(
        """
        WITH n AS (
            SELECT * FROM unnest(
                CAST(:issue_id AS uuid[]), CAST(:event_id AS uuid[]),
                CAST(:idempotency_key AS text[]), CAST(:source_system AS text[]),
                CAST(:source_reference AS text[]), CAST(:source AS text[]),
                CAST(:event_type AS text[]), CAST(:ingress AS text[]),
                CAST(:source_timestamp AS timestamptz[]), CAST(:received_at AS timestamptz[]),
                CAST(:event AS text[]), CAST(:reason AS text[]), CAST(:outbox_event_id AS uuid[]),
                CAST(:outbox_topic AS text[]), CAST(:outbox_key AS text[]),
                CAST(:outbox_value AS bytea[])
            ) WITH ORDINALITY AS n(
                issue_id, event_id, idempotency_key, source_system, source_reference, source,
                event_type, ingress, source_timestamp, received_at, event, reason,
                outbox_event_id, outbox_topic, outbox_key, outbox_value, position
            )
        ), k AS (
            INSERT INTO idempotency_keys (idempotency_key, issue_id, received_at)
            SELECT n.idempotency_key, n.issue_id, n.received_at FROM n
            ORDER BY n.idempotency_key, n.position
            ON CONFLICT DO NOTHING
            RETURNING issue_id
        ), r AS (
            INSERT INTO source_references (source_system, source_reference, issue_id)
            SELECT n.source_system, n.source_reference, n.issue_id FROM n JOIN k USING (issue_id)
            ORDER BY n.source_system, n.source_reference, n.position
            ON CONFLICT DO NOTHING
            RETURNING issue_id
        ), i AS (
            INSERT INTO issues (
                issue_id, event_id, idempotency_key, source_system, source_reference, source,
                event_type, status, recurrence_of, ingress, source_timestamp, received_at,
                updated_at, event
            )
            SELECT n.issue_id, n.event_id, n.idempotency_key, n.source_system, n.source_reference,
                n.source, n.event_type, CAST(:status AS text), NULL, n.ingress, n.source_timestamp,
                n.received_at, n.received_at, CAST(n.event AS jsonb)
            FROM n JOIN r USING (issue_id)
            RETURNING issue_id
        ), e AS (
            INSERT INTO issue_events (
                issue_id, from_status, to_status, actor, reason, causation_id, at
            )
            SELECT n.issue_id, NULL, CAST(:status AS text), CAST(:actor AS text), n.reason, NULL,
                n.received_at
            FROM n JOIN i USING (issue_id)
        ), o AS (
            INSERT INTO outbox (event_id, topic, key, value)
            SELECT n.outbox_event_id, n.outbox_topic, n.outbox_key, n.outbox_value
            FROM n JOIN i USING (issue_id)
            ORDER BY n.position
            ON CONFLICT DO NOTHING
        )
        SELECT CASE WHEN (SELECT count(*) FROM k) > (SELECT count(*) FROM i)
                THEN claims_refused() END AS refused,
            ARRAY(SELECT issue_id FROM i) AS stored
        """
    )
)


async def insert_new_issues(
    autocommit: AsyncConnection, rows: Sequence[NewIssue]
) -> frozenset[UUID] | None:
    """Store each of `rows` as a new issue with its outbox row, if nothing claimed it before.

    One statement, run on its own (`autocommit` has no transaction open: the statement is
    atomic and durable by itself, one round trip), writing for each row whose key and
    reference are both unclaimed the rows `store_issue` writes, plus its IssueAccepted
    row. Returns the ids of the issues stored; a row left out claimed nothing, and the
    caller decides for it with `store_issue` (duplicate or recurrence) in a transaction.
    None when a row claimed its key but found its reference taken: then the statement
    undid itself (`claims_refused()`) and nothing of any row remains.
    """
    params: dict[str, object] = {
        "issue_id": [row.issue_id for row in rows],
        "event_id": [row.event.envelope.event_id for row in rows],
        "idempotency_key": [row.event.envelope.idempotency_key for row in rows],
        "source_system": [row.event.attribution.source_system for row in rows],
        "source_reference": [row.event.attribution.source_reference for row in rows],
        "source": [row.event.envelope.source.value for row in rows],
        "event_type": [row.event.envelope.event_type.value for row in rows],
        "ingress": [row.ingress for row in rows],
        "source_timestamp": [row.event.envelope.source_timestamp for row in rows],
        "received_at": [row.received_at for row in rows],
        # The event as stored is the one IssueAccepted carries (stamped with received_at),
        # already in its JSON form there.
        "event": [orjson.dumps(row.accepted.envelope.data["event"]).decode() for row in rows],
        "reason": [_received_reason(row.ingress, None) for row in rows],
        "outbox_event_id": [row.accepted.envelope.event_id for row in rows],
        "outbox_topic": [row.accepted.topic for row in rows],
        "outbox_key": [row.accepted.key for row in rows],
        "outbox_value": [row.accepted.envelope.to_bytes() for row in rows],
        "status": INITIAL.value,
        "actor": ACTOR,
    }
    try:
        (result,) = await _INSERT_NEW.fetch(autocommit, params)
    except asyncpg.PostgresError as exc:
        if exc.sqlstate == CLAIMS_REFUSED:
            return None
        raise
    return frozenset(result["stored"])


def _received_reason(ingress: Ingress, recurrence_of: UUID | None) -> str:
    reason = f"received over {ingress}"
    if recurrence_of is not None:
        reason += f"; recurrence of issue {recurrence_of} (same idempotency key after the window)"
    return reason


async def _claim_key(conn: AsyncConnection, key: str, issue_id: UUID, at: datetime) -> bool:
    claimed = await conn.scalar(
        insert(idempotency_keys)
        .values(idempotency_key=key, issue_id=issue_id, received_at=at)
        .on_conflict_do_nothing(index_elements=[idempotency_keys.c.idempotency_key])
        .returning(idempotency_keys.c.issue_id)
    )
    return claimed is not None


async def _lock_key(conn: AsyncConnection, key: str) -> KeyHolder:
    row = (
        await conn.execute(
            sa.select(idempotency_keys.c.issue_id, idempotency_keys.c.received_at)
            .where(idempotency_keys.c.idempotency_key == key)
            .with_for_update()
        )
    ).one()
    return KeyHolder(row.issue_id, row.received_at)


async def _duplicate(conn: AsyncConnection, issue_id: UUID, reason: DuplicateReason) -> Duplicate:
    row = (
        await conn.execute(
            sa.select(issues.c.event_id, issues.c.status).where(issues.c.issue_id == issue_id)
        )
    ).one()
    return Duplicate(issue_id, row.event_id, IssueStatus(row.status), reason)


async def _insert_issue(
    conn: AsyncConnection,
    event: CrmEvent,
    issue_id: UUID,
    received_at: datetime,
    ingress: Ingress,
    causation_id: UUID | None,
    recurrence_of: UUID | None,
) -> None:
    envelope, attribution = event.envelope, event.attribution
    await conn.execute(
        sa.insert(issues).values(
            issue_id=issue_id,
            event_id=envelope.event_id,
            idempotency_key=envelope.idempotency_key,
            source_system=attribution.source_system,
            source_reference=attribution.source_reference,
            source=envelope.source.value,
            event_type=envelope.event_type.value,
            status=INITIAL.value,
            recurrence_of=recurrence_of,
            ingress=ingress,
            source_timestamp=envelope.source_timestamp,
            received_at=received_at,
            updated_at=received_at,
            event=stamp_received(event, received_at).model_dump(mode="json"),
        )
    )
    reason = _received_reason(ingress, recurrence_of)
    await conn.execute(
        sa.insert(issue_events).values(
            issue_id=issue_id,
            from_status=None,
            to_status=INITIAL.value,
            actor=ACTOR,
            reason=reason,
            causation_id=causation_id,
            at=received_at,
        )
    )


async def record_contract(
    conn: AsyncConnection, contract: ContractSnapshot, recorded_at: datetime
) -> None:
    """Keep the newest version of each contract seen on `contracts.lifecycle`.

    Redelivered or reordered (older) versions leave the row as it is.
    """
    dumped = contract.model_dump(mode="json", include={"proposed_changes"})
    values = {
        "contract_id": contract.contract_id,
        "issue_id": contract.issue_id,
        "status": contract.status.value,
        "status_reason": contract.status_reason,
        "proposed_changes": dumped["proposed_changes"],
        "version": contract.version,
        "updated_at": contract.updated_at,
        "recorded_at": recorded_at,
    }
    stmt = insert(issue_contracts).values(values)
    await conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[issue_contracts.c.contract_id],
            set_={name: stmt.excluded[name] for name in values if name != "contract_id"},
            where=issue_contracts.c.version < stmt.excluded.version,
        )
    )


async def move_issue(
    conn: AsyncConnection,
    issue_id: UUID,
    target: IssueStatus,
    *,
    reason: str,
    at: datetime,
    causation_id: UUID | None,
) -> IssueStatus | None:
    """Move the issue to `target` through the lifecycle, one event per transition.

    Returns the status it has afterwards; None for an unknown issue. An issue already at
    `target`, or past it (a redelivered or late message), is left as it is.
    """
    current = await conn.scalar(
        sa.select(issues.c.status).where(issues.c.issue_id == issue_id).with_for_update()
    )
    if current is None:
        return None
    status = IssueStatus(current)
    try:
        steps = path_to(status, target)
    except IssueTransitionRefused:
        return status
    for before, after in steps:
        await conn.execute(
            sa.update(issues)
            .where(issues.c.issue_id == issue_id)
            .values(status=after.value, updated_at=at)
        )
        await conn.execute(
            sa.insert(issue_events).values(
                issue_id=issue_id,
                from_status=before.value,
                to_status=after.value,
                actor=ACTOR,
                reason=reason,
                causation_id=causation_id,
                at=at,
            )
        )
    return target


# One statement for a whole published batch: the issues still RECEIVED move, each with its
# event. Built once: the outbox relay runs it after every batch it publishes, on its
# autocommit connection (D-012).
_HAND_OVER = RawStatement.of(
    sa.text(
        """
        WITH moved AS (
            UPDATE issues SET status = CAST(:after AS text), updated_at = :at
            WHERE issue_id = ANY(CAST(:issue_ids AS uuid[])) AND status = CAST(:before AS text)
            RETURNING issue_id
        )
        INSERT INTO issue_events (issue_id, from_status, to_status, actor, reason, at)
        SELECT issue_id, CAST(:before AS text), CAST(:after AS text), CAST(:actor AS text),
            CAST(:reason AS text), CAST(:at AS timestamptz)
        FROM moved
        RETURNING issue_id
        """
    )
)


async def hand_over(
    autocommit: AsyncConnection, issue_ids: Sequence[UUID], *, reason: str, at: datetime
) -> int:
    """RECEIVED → VALIDATING for every issue of `issue_ids` still RECEIVED, with its event.

    One statement for the whole batch (the outbox relay calls it per published batch, on
    its connection in autocommit mode); an issue already past RECEIVED is left as it is.
    Returns how many moved.
    """
    if not issue_ids:
        return 0
    moved = await _HAND_OVER.fetch(
        autocommit,
        {
            "issue_ids": sorted(set(issue_ids)),
            "before": IssueStatus.RECEIVED.value,
            "after": IssueStatus.VALIDATING.value,
            "actor": ACTOR,
            "reason": reason,
            "at": at,
        },
    )
    return len(moved)


async def load_status(conn: AsyncConnection, issue_id: UUID) -> IssueStatusRecord | None:
    """The issue's status, its source system and every contract recorded for it."""
    issue = (
        await conn.execute(
            sa.select(issues.c.source_system, issues.c.status).where(issues.c.issue_id == issue_id)
        )
    ).one_or_none()
    if issue is None:
        return None
    rows = (
        await conn.execute(sa.select(issue_contracts).where(issue_contracts.c.issue_id == issue_id))
    ).all()
    contracts = [
        ContractOutcome(
            contract_id=row.contract_id,
            status=ContractStatus(row.status),
            status_reason=row.status_reason,
            proposed_changes=row.proposed_changes,
            version=row.version,
            updated_at=row.updated_at,
        )
        for row in rows
    ]
    return IssueStatusRecord(issue_id, issue.source_system, IssueStatus(issue.status), contracts)

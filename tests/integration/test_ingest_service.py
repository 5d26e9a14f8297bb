"""Ingest on a real PostgreSQL and a real Kafka-protocol broker (SPEC §2, GATE-8).

The app runs in process (ASGI); the runtime is started only where Kafka is part of
what is proved. Each test module migrates its own `ingest_<hex>` schema; tests that
publish use a schema of their own so no other test's outbox rows leak onto their topics.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.ingest.adapters.repository import (
    Duplicate,
    NewIssue,
    Stored,
    insert_new_issues,
    record_contract,
    store_issue,
)
from govmesh.ingest.app import build, migrate
from govmesh.ingest.domain import (
    TRANSITIONS,
    DuplicateReason,
    IngestPolicy,
    IssueStatus,
    validate_event,
)
from govmesh.ingest.service_layer.intake import Intake
from govmesh.ingest.settings import IngestSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import create_engine
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import (
    CapabilityEnable,
    ContractLifecycle,
    ContractSnapshot,
    ContractStatus,
    CrmEvent,
    EligibilityDecision,
    EligibilityVerdict,
    Envelope,
    IssueType,
    Lifecycle,
    Principal,
    RecommendedAction,
    Severity,
    Source,
    Transition,
    ValidatorVerdict,
    digest,
)
from tests.infra import unique
from tests.integration.helpers import drain, produce_raw, values
from tests.unit.ingest.factories import raw_event, with_field

pytestmark = pytest.mark.integration

URL = "/api/v1/governance/events"
KEY = {"X-API-Key": "key-eu"}
OTHER_KEY = {"X-API-Key": "key-us"}
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


class Clock:
    """The injectable clock: tests move time instead of waiting for it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def new_schema(database_url: str, keys_dir: Path) -> str:
    schema = unique("ingest_")
    settings = IngestSettings(database_url=database_url, keys_dir=keys_dir, db_schema=schema)
    await asyncio.to_thread(migrate, settings)
    return schema


@pytest.fixture(scope="module")
async def module_schema(database_url: str, keys_dir: Path) -> str:
    return await new_schema(database_url, keys_dir)


@pytest.fixture
async def db(database_url: str, module_schema: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, module_schema)
    yield engine
    await engine.dispose()


def ingest_settings(mesh: Any, schema: str, **overrides: Any) -> IngestSettings:
    base = mesh(Principal.INGEST).model_dump()
    base.update(db_schema=schema, api_keys={"key-eu": "crm-eu", "key-us": "crm-us"}, **overrides)
    return IngestSettings.model_validate(base)


@asynccontextmanager
async def ingest(
    settings: IngestSettings, clock: Clock | None = None, *, start: bool = False
) -> AsyncIterator[tuple[ServiceRuntime, httpx.AsyncClient]]:
    runtime, app = build(settings, clock=clock) if clock else build(settings)
    if start:
        await runtime.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
            yield runtime, client
    finally:
        await runtime.stop()


def event(label: str, at: datetime, **fields: Any) -> dict[str, Any]:
    raw = raw_event(label, at=at)
    raw = with_field(raw, "envelope.event_id", str(uuid4()))
    for path, value in fields.items():
        raw = with_field(raw, path.replace("__", "."), value)
    return raw


async def count(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text(sql), params) or 0)


async def stored_for_key(engine: AsyncEngine, key: str) -> dict[str, int]:
    """Rows that exist because of one idempotency key, table by table."""
    return {
        "issues": await count(
            engine, "SELECT count(*) FROM issues WHERE idempotency_key=:k", k=key
        ),
        "issue_events": await count(
            engine,
            "SELECT count(*) FROM issue_events e JOIN issues i USING (issue_id) "
            "WHERE i.idempotency_key=:k",
            k=key,
        ),
        "keys": await count(
            engine, "SELECT count(*) FROM idempotency_keys WHERE idempotency_key=:k", k=key
        ),
        "outbox": await count(
            engine,
            "SELECT count(*) FROM outbox o JOIN issues i ON o.key = i.issue_id::text "
            "WHERE i.idempotency_key=:k",
            k=key,
        ),
    }


# --- HTTP path: the database decides duplicates -------------------------------------------


async def test_same_submission_five_times_concurrently_makes_one_issue_and_one_outbox_row(
    mesh: Any, db: AsyncEngine, module_schema: str
) -> None:
    clock = Clock(T0)
    raw = event("concurrent", T0)
    async with ingest(ingest_settings(mesh, module_schema), clock) as (_, client):
        responses = await asyncio.gather(
            *(client.post(URL, json=raw, headers=KEY) for _ in range(5))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 200, 200, 201]
    created = next(r.json() for r in responses if r.status_code == 201)
    assert created == {
        "event_id": raw["envelope"]["event_id"],
        "issue_id": created["issue_id"],
        "status": "RECEIVED",
        "is_duplicate": False,
    }
    for duplicate in (r.json() for r in responses if r.status_code == 200):
        assert duplicate["issue_id"] == created["issue_id"]
        assert duplicate["event_id"] == created["event_id"]
        assert duplicate["is_duplicate"] is True
        assert duplicate["duplicate_reason"] == "idempotency_key"
        assert duplicate["code"] == "DUPLICATE_EVENT"
    assert await stored_for_key(db, "key-concurrent") == {
        "issues": 1,
        "issue_events": 1,
        "keys": 1,
        "outbox": 1,
    }
    async with db.connect() as conn:
        row = (
            await conn.execute(
                sa.text("SELECT status, received_at, ingress, event FROM issues WHERE issue_id=:i"),
                {"i": created["issue_id"]},
            )
        ).one()
        history = (
            await conn.execute(
                sa.text("SELECT from_status, to_status, actor FROM issue_events WHERE issue_id=:i"),
                {"i": created["issue_id"]},
            )
        ).all()
    assert (row.status, row.received_at, row.ingress) == ("RECEIVED", T0, "http")
    assert row.event["envelope"]["received_at"] == T0.isoformat().replace("+00:00", "Z")
    assert [tuple(h) for h in history] == [(None, "RECEIVED", "ingest")]


async def test_duplicate_by_source_reference_even_under_concurrency(
    mesh: Any, db: AsyncEngine, module_schema: str
) -> None:
    clock = Clock(T0)
    ref = f"ticket-{uuid4().hex[:8]}"
    submissions = [event(f"ref-{i}", T0, attribution__source_reference=ref) for i in range(5)]
    async with ingest(ingest_settings(mesh, module_schema), clock) as (_, client):
        responses = await asyncio.gather(
            *(client.post(URL, json=s, headers=KEY) for s in submissions)
        )
        # Another source system may use the same reference: it is another CRM's ticket.
        other = event("ref-other", T0, attribution__source_reference=ref)
        other = with_field(other, "attribution.source_system", "crm-us")
        elsewhere = await client.post(URL, json=other, headers=OTHER_KEY)
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 201]
    issue_id = next(r.json()["issue_id"] for r in responses if r.status_code == 201)
    duplicates = [r.json() for r in responses if r.status_code == 200]
    assert {(d["issue_id"], d["duplicate_reason"]) for d in duplicates} == {
        (issue_id, "source_reference")
    }
    assert elsewhere.status_code == 201
    assert await count(db, "SELECT count(*) FROM issues WHERE source_reference=:r", r=ref) == 2
    losers = [s["envelope"]["idempotency_key"] for s in submissions]
    assert (
        await count(
            db, "SELECT count(*) FROM idempotency_keys WHERE idempotency_key = ANY(:k)", k=losers
        )
        == 1
    ), "a duplicate by reference must not keep its idempotency key claim"


async def test_same_key_after_24h_is_a_recurrence_and_within_24h_a_duplicate(
    mesh: Any, db: AsyncEngine, module_schema: str
) -> None:
    clock = Clock(T0)
    raw = event("recurring", T0)
    async with ingest(ingest_settings(mesh, module_schema), clock) as (_, client):
        first = (await client.post(URL, json=raw, headers=KEY)).json()
        clock.now = T0 + timedelta(hours=24)
        at_boundary = await client.post(URL, json=raw, headers=KEY)
        clock.now = T0 + timedelta(hours=24, seconds=1)
        recurrence = await client.post(URL, json=raw, headers=KEY)
        clock.now = T0 + timedelta(hours=30)
        soon_after = await client.post(URL, json=raw, headers=KEY)
        clock.now = T0 + timedelta(hours=49)
        racing = await asyncio.gather(*(client.post(URL, json=raw, headers=KEY) for _ in range(5)))
    assert at_boundary.status_code == 200
    assert at_boundary.json()["issue_id"] == first["issue_id"]
    assert recurrence.status_code == 201
    second = recurrence.json()
    assert second["issue_id"] != first["issue_id"]
    assert second["recurrence_of"] == first["issue_id"]
    assert soon_after.status_code == 200
    assert soon_after.json()["issue_id"] == second["issue_id"]
    assert sorted(r.status_code for r in racing) == [200, 200, 200, 200, 201]
    third = next(r.json() for r in racing if r.status_code == 201)
    assert third["recurrence_of"] == second["issue_id"]
    async with db.connect() as conn:
        chain = (
            await conn.execute(
                sa.text(
                    "SELECT issue_id::text, recurrence_of::text, received_at FROM issues "
                    "WHERE idempotency_key = 'key-recurring' ORDER BY received_at"
                )
            )
        ).all()
    assert [tuple(c) for c in chain] == [
        (first["issue_id"], None, T0),
        (second["issue_id"], first["issue_id"], T0 + timedelta(hours=24, seconds=1)),
        (third["issue_id"], second["issue_id"], T0 + timedelta(hours=49)),
    ]
    assert await stored_for_key(db, "key-recurring") == {
        "issues": 3,
        "issue_events": 3,
        "keys": 1,
        "outbox": 3,
    }


async def test_a_held_claim_makes_the_concurrent_submission_wait_then_see_a_duplicate(
    db: AsyncEngine,
) -> None:
    """The de-dup decision is the database's: the second writer blocks on the first's row."""
    policy = IngestPolicy()
    checked = validate_event(event("locked", T0), T0, policy)
    assert isinstance(checked, CrmEvent)
    first_id, second_id = uuid4(), uuid4()

    async def store(conn: Any, issue_id: UUID) -> Stored | Duplicate:
        return await store_issue(
            conn, checked, issue_id=issue_id, received_at=T0, ingress="http",
            causation_id=None, policy=policy,
        )  # fmt: skip

    async with db.connect() as first_conn, db.connect() as second_conn:
        await first_conn.begin()
        assert isinstance(await store(first_conn, first_id), Stored)
        await second_conn.begin()
        second = asyncio.create_task(store(second_conn, second_id))
        await asyncio.sleep(0.5)
        assert not second.done(), "the second submission did not wait for the first's claim"
        await first_conn.commit()
        result = await asyncio.wait_for(second, 10)
        await second_conn.commit()
    assert result == Duplicate(
        first_id, checked.envelope.event_id, IssueStatus.RECEIVED, DuplicateReason.IDEMPOTENCY_KEY
    )
    assert await count(db, "SELECT count(*) FROM issues WHERE idempotency_key='key-locked'") == 1


def new_issues(keys_dir: Path, *raws: dict[str, Any]) -> list[NewIssue]:
    signer = Signer.load(keys_dir, Principal.INGEST)
    intake = Intake(
        IngestPolicy(), lambda message, **links: make_envelope(message, signer, **links)
    )
    rows = []
    for raw in raws:
        checked = validate_event(raw, T0, intake.policy)
        assert isinstance(checked, CrmEvent)
        rows.append(intake.new_issue(checked, now=T0, ingress="http"))
    return rows


async def insert(db: AsyncEngine, rows: list[NewIssue]) -> frozenset[UUID] | None:
    async with db.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return await insert_new_issues(autocommit, rows)


async def test_one_statement_stores_every_new_submission_and_leaves_out_taken_keys(
    db: AsyncEngine, keys_dir: Path
) -> None:
    """`insert_new_issues`, the HTTP fast path's statement, for a batch of submissions."""
    label = uuid4().hex[:8]
    taken = event(f"{label}-taken", T0)
    [earlier] = new_issues(keys_dir, taken)
    assert await insert(db, [earlier]) == frozenset({earlier.issue_id})
    twice = event(f"{label}-twice", T0)
    again = with_field(twice, "envelope.event_id", str(uuid4()))
    rows = new_issues(
        keys_dir,
        event(f"{label}-a", T0),
        with_field(taken, "envelope.event_id", str(uuid4())),  # its key is claimed already
        twice,
        again,  # the same key twice in one batch: the first row claims it
        event(f"{label}-b", T0),
    )
    assert await insert(db, rows) == frozenset(
        {rows[0].issue_id, rows[2].issue_id, rows[4].issue_id}
    )
    for row in (rows[0], rows[2], rows[4]):
        assert await stored_for_key(db, row.event.envelope.idempotency_key) == {
            "issues": 1,
            "issue_events": 1,
            "keys": 1,
            "outbox": 1,
        }
    assert await count(db, "SELECT count(*) FROM issues WHERE issue_id = ANY(:i)", i=[
        rows[1].issue_id, rows[3].issue_id
    ]) == 0  # fmt: skip
    async with db.connect() as conn:
        outbox = (
            (
                await conn.execute(
                    sa.text("SELECT key FROM outbox WHERE key = ANY(:k) ORDER BY id"),
                    {"k": [str(row.issue_id) for row in rows]},
                )
            )
            .scalars()
            .all()
        )
    assert outbox == [str(rows[0].issue_id), str(rows[2].issue_id), str(rows[4].issue_id)]


async def test_one_taken_reference_undoes_the_whole_statement(
    db: AsyncEngine, keys_dir: Path
) -> None:
    label = uuid4().hex[:8]
    [first] = new_issues(keys_dir, event(f"{label}-first", T0))
    assert await insert(db, [first]) == frozenset({first.issue_id})
    same_reference = event(
        f"{label}-second", T0, attribution__source_reference=f"ticket-{label}-first"
    )
    rows = new_issues(keys_dir, event(f"{label}-fresh", T0), same_reference)
    assert await insert(db, rows) is None
    for row in rows:
        assert await stored_for_key(db, row.event.envelope.idempotency_key) == {
            "issues": 0,
            "issue_events": 0,
            "keys": 0,
            "outbox": 0,
        }, "nothing of any row may remain, claims included"


# --- HTTP path: refusals store nothing -----------------------------------------------------


@pytest.mark.parametrize(
    ("label", "fields", "status", "code", "field"),
    [
        ("bad-id", {"envelope__event_id": "nope"}, 422, "INVALID_EVENT_ID", "envelope.event_id"),
        ("bad-type", {"envelope__event_type": "rant"}, 422, "INVALID_EVENT_TYPE", "envelope.event_type"),
        ("bad-source", {"envelope__source": "fax"}, 422, "INVALID_SOURCE", "envelope.source"),
        ("bad-system", {"attribution__source_system": ""}, 422, "INVALID_SOURCE_SYSTEM",
         "attribution.source_system"),
        ("bad-ref", {"attribution__source_reference": ""}, 422, "INVALID_SOURCE_REF",
         "attribution.source_reference"),
        ("bad-subject", {"payload__subject": ""}, 422, "INVALID_SUBJECT", "payload.subject"),
        ("bad-body", {"payload__body": "<script>x</script>"}, 422, "INVALID_BODY", "payload.body"),
        ("bad-submitter", {"attribution__submitter_id": "jane@example.com"}, 422, "INVALID_FIELD",
         "attribution.submitter_id"),
        ("bad-hints", {"hints___semantics": "AUTHORITATIVE"}, 422, "INVALID_FIELD",
         "hints._semantics"),
        ("stale", {"envelope__source_timestamp": (T0 - timedelta(days=8)).isoformat()}, 422,
         "INVALID_FIELD", "envelope.source_timestamp"),
        ("no-payload", {"payload": None}, 400, "SCHEMA_VALIDATION_FAILED", "payload"),
        ("too-large", {"payload__structured_data": {"blob": "x" * 70_000}}, 413,
         "PAYLOAD_TOO_LARGE", "$"),
    ],
)  # fmt: skip
async def test_each_refusal_answers_its_code_and_stores_nothing(
    mesh: Any,
    db: AsyncEngine,
    module_schema: str,
    label: str,
    fields: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    raw = event(label, T0)
    for path, value in fields.items():
        path = path.replace("___", "._").replace("__", ".")
        raw = with_field(raw, path) if value is None else with_field(raw, path, value)
    before = await count(db, "SELECT count(*) FROM outbox")
    async with ingest(ingest_settings(mesh, module_schema), Clock(T0)) as (_, client):
        response = await client.post(URL, json=raw, headers=KEY)
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["error_code"], body["field"]) == (code, field)
    assert body["message"]
    assert await stored_for_key(db, f"key-{label}") == {
        "issues": 0,
        "issue_events": 0,
        "keys": 0,
        "outbox": 0,
    }
    assert await count(db, "SELECT count(*) FROM outbox") == before


# --- the database holds the lifecycle and the contract outcomes ---------------------------


async def test_issue_lifecycle_is_enforced_by_the_database(
    mesh: Any, db: AsyncEngine, module_schema: str
) -> None:
    async with ingest(ingest_settings(mesh, module_schema), Clock(T0)) as (_, client):
        issue_id = (await client.post(URL, json=event("lifecycle", T0), headers=KEY)).json()[
            "issue_id"
        ]
    async with db.connect() as conn:
        pairs = set((await conn.execute(sa.text("SELECT * FROM issue_transitions"))).all())
    assert pairs == {(a.value, b.value) for a, b in TRANSITIONS}

    async def set_status(status: str) -> None:
        async with db.begin() as conn:
            await conn.execute(
                sa.text("UPDATE issues SET status=:s WHERE issue_id=:i"),
                {"s": status, "i": issue_id},
            )

    with pytest.raises(DBAPIError, match="RECEIVED -> VALIDATED is not allowed"):
        await set_status("VALIDATED")
    await set_status("VALIDATING")
    await set_status("VALIDATION_FAILED")
    with pytest.raises(DBAPIError, match="VALIDATION_FAILED -> RECEIVED is not allowed"):
        await set_status("RECEIVED")
    with pytest.raises(DBAPIError, match="VALIDATION_FAILED -> APPROVED is not allowed"):
        await set_status("APPROVED")
    with pytest.raises(DBAPIError, match="an issue is created RECEIVED, not VALIDATED"):
        async with db.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO issues (issue_id, event_id, idempotency_key, source_system, "
                    "source_reference, source, event_type, status, ingress, source_timestamp, "
                    "received_at, updated_at, event) SELECT gen_random_uuid(), event_id, "
                    "idempotency_key, source_system, source_reference, source, event_type, "
                    "'VALIDATED', ingress, source_timestamp, received_at, updated_at, event "
                    "FROM issues WHERE issue_id=:i"
                ),
                {"i": issue_id},
            )


async def test_contract_outcomes_keep_the_newest_version_per_contract(db: AsyncEngine) -> None:
    issue_id, contract_id = uuid4(), uuid4()
    rejected = snapshot(issue_id, contract_id, ContractStatus.REJECTED, version=3, reason="No.")
    eligible = snapshot(issue_id, contract_id, ContractStatus.ELIGIBLE, version=2)
    async with db.begin() as conn:
        await record_contract(conn, rejected, T0)
        await record_contract(conn, eligible, T0)  # older, redelivered late
    async with db.connect() as conn:
        row = (
            await conn.execute(
                sa.text(
                    "SELECT status, status_reason, version FROM issue_contracts "
                    "WHERE contract_id=:c"
                ),
                {"c": contract_id},
            )
        ).one()
    assert tuple(row) == ("REJECTED", "No.", 3)


# --- Kafka: what goes out, what comes in ---------------------------------------------------


def snapshot(
    issue_id: UUID,
    contract_id: UUID,
    status: ContractStatus,
    *,
    version: int,
    reason: str | None = None,
    at: datetime = T0,
) -> ContractSnapshot:
    change = CapabilityEnable(capability_name="LOGS_LIST", target_lifecycle=Lifecycle.LAUNCHED)
    return ContractSnapshot(
        contract_id=contract_id,
        version=version,
        issue_id=issue_id,
        source=Source.CRM_FEEDBACK,
        status=status,
        status_reason=reason,
        title="Enable log search",
        description="Turn on LOGS_LIST",
        proposed_changes=[change],
        affected_capabilities=["LOGS_LIST"],
        risk_level=Severity.MEDIUM,
        validator_verdict=ValidatorVerdict(
            issue_type=IssueType.CAPABILITY_REQUEST,
            severity=Severity.MEDIUM,
            affected_capabilities=["LOGS_LIST"],
            recommended_action=RecommendedAction.CREATE_CONTRACT,
            confidence_score=0.85,
            reason="SECRET-VERDICT-INTERNALS",
            evidence=["capability name"],
            analyzed_at=at,
            validator_version="1.0.0",
            proposed_changes=[change],
        ),
        eligibility_verdict=EligibilityVerdict(
            decision=EligibilityDecision.MAY,
            reason="All rules passed",
            rules_evaluated=[],
            evaluated_at=at,
            rules_version="1.0.0",
            context_versions={},
        ),
        confidence_score=0.85,
        created_by="contracts",
        approved_by=["founder-1"] if status is ContractStatus.COMPLETED else [],
        created_at=at,
        updated_at=at + timedelta(minutes=version),
    )


def lifecycle(contract: ContractSnapshot) -> ContractLifecycle:
    return ContractLifecycle(
        contract=contract,
        transition=Transition(
            from_status=None,
            to_status=contract.status,
            actor="contracts",
            reason=contract.status_reason or "moved",
            at=contract.updated_at,
        ),
    )


async def test_http_issue_is_published_once_and_its_status_follows_contract_outcomes(
    mesh: Any, database_url: str, keys_dir: Path
) -> None:
    schema = await new_schema(database_url, keys_dir)
    settings = ingest_settings(mesh, schema)
    clock = Clock(datetime.now(UTC))
    engine = create_engine(database_url, schema)
    async with ingest(settings, clock, start=True) as (_, client):
        ready = await client.get("/readyz")
        assert ready.json() == {"ready": True, "checks": {"database": "ok", "kafka": "ok"}}
        raw = event("published", clock.now)
        created = await client.post(URL, json=raw, headers=KEY)
        assert created.status_code == 201, created.text
        issue_id = created.json()["issue_id"]
        other_id = (await client.post(URL, json=event("completed", clock.now), headers=KEY)).json()[
            "issue_id"
        ]

        status = await client.get(f"/api/v1/issues/{issue_id}/status", headers=KEY)
        assert status.json() == {"issue_id": issue_id, "status": "RECEIVED", "reason": None,
                                 "changes": None}  # fmt: skip
        foreign = await client.get(f"/api/v1/issues/{issue_id}/status", headers=OTHER_KEY)
        assert (foreign.status_code, foreign.json()["error_code"]) == (404, "ISSUE_NOT_FOUND")

        contracts = Signer.load(keys_dir, Principal.CONTRACTS)
        first, second = uuid4(), uuid4()
        outcomes = [
            snapshot(UUID(issue_id), first, ContractStatus.ELIGIBLE, version=2),
            snapshot(UUID(other_id), second, ContractStatus.COMPLETED, version=6,
                     reason="All checks passed"),
        ]  # fmt: skip
        await produce_raw(
            settings.kafka_bootstrap,
            settings.kafka_topic("contracts.lifecycle"),
            [(str(c.contract_id).encode(), make_envelope(lifecycle(c), contracts).to_bytes())
             for c in outcomes],
        )  # fmt: skip

        async def view(issue: str) -> dict[str, Any]:
            return (await client.get(f"/api/v1/issues/{issue}/status", headers=KEY)).json()

        await wait_for_view(view, issue_id, "UNDER_REVIEW")
        completed = await wait_for_view(view, other_id, "COMPLETED")
        assert completed == {
            "issue_id": other_id,
            "status": "COMPLETED",
            "reason": None,
            "changes": [{"type": "capability_enable", "capability_name": "LOGS_LIST",
                         "target_lifecycle": "LAUNCHED"}],
        }  # fmt: skip
        rejection = snapshot(UUID(issue_id), first, ContractStatus.REJECTED, version=3,
                             reason="Not now: the logging cluster is being migrated")  # fmt: skip
        await produce_raw(
            settings.kafka_bootstrap,
            settings.kafka_topic("contracts.lifecycle"),
            [(str(first).encode(), make_envelope(lifecycle(rejection), contracts).to_bytes())],
        )
        rejected = await wait_for_view(view, issue_id, "REJECTED")
        assert rejected["reason"] == "Not now: the logging cluster is being migrated"
        assert "SECRET-VERDICT-INTERNALS" not in json.dumps([rejected, completed])

        topic = settings.kafka_topic("issues.accepted")
        await wait_until_published(engine, 2)
        records = await drain(settings.kafka_bootstrap, topic, until=lambda r: False, timeout_s=1.5)
    await engine.dispose()

    assert sorted(r.key.decode() for r in records) == sorted([issue_id, other_id])
    record = next(r for r in records if r.key.decode() == issue_id)
    envelope = Envelope.model_validate_json(record.value)
    TrustStore.load(keys_dir).verify(envelope)
    assert (envelope.producer, envelope.type) == (Principal.INGEST, "IssueAccepted")
    assert envelope.correlation_id == UUID(issue_id)
    data = envelope.data
    assert data["issue_id"] == issue_id
    assert data["recurrence_of"] is None
    assert datetime.fromisoformat(data["received_at"]) == clock.now
    assert datetime.fromisoformat(data["event"]["envelope"]["received_at"]) == clock.now
    assert data["event"]["envelope"]["event_id"] == raw["envelope"]["event_id"]
    unstamped = json.loads(json.dumps(data["event"]))
    unstamped["envelope"]["received_at"] = None
    assert envelope.input_digest == digest(
        CrmEvent.model_validate(unstamped).model_dump(mode="json")
    )


async def wait_for_view(view: Any, issue_id: str, status: str) -> dict[str, Any]:
    latest: dict[str, Any] = {}
    deadline = asyncio.get_running_loop().time() + 40
    while asyncio.get_running_loop().time() < deadline:
        latest = await view(issue_id)
        if latest.get("status") == status:
            return latest
        await asyncio.sleep(0.1)
    raise AssertionError(f"issue {issue_id} never showed {status}; last view: {latest}")


async def wait_until_published(engine: AsyncEngine, expected: int) -> None:
    for _ in range(200):
        published = await count(
            engine, "SELECT count(*) FROM outbox WHERE published_at IS NOT NULL"
        )
        if published >= expected:
            assert await count(engine, "SELECT count(*) FROM outbox") == expected
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox relay did not publish in time")


async def test_crm_events_become_issues_and_invalid_ones_are_dead_lettered_with_their_code(
    mesh: Any, database_url: str, keys_dir: Path
) -> None:
    schema = await new_schema(database_url, keys_dir)
    settings = ingest_settings(mesh, schema)
    crm = Signer.load(keys_dir, Principal.CRM)
    now = datetime.now(UTC)

    def signed(raw: dict[str, Any]) -> Envelope:
        return make_envelope(CrmEvent.model_validate(raw), crm)

    good = signed(event("kafka-1", now))
    stale = signed(
        event("kafka-stale", now, envelope__source_timestamp=(now - timedelta(days=9)).isoformat())
    )
    huge = signed(event("kafka-huge", now, payload__structured_data={"blob": "x" * 70_000}))
    same_key = signed(event("kafka-1", now))  # another envelope, the same idempotency key
    schema_bad = crm.sign(
        Envelope(
            event_id=uuid4(), type="CrmEvent", schema_version="1.0.0", producer=Principal.CRM,
            produced_at=now, data=event("kafka-bad-id", now, envelope__event_id="nope"),
        )
    )  # fmt: skip
    second = signed(event("kafka-2", now))
    items = [good, stale, huge, good, same_key, schema_bad, second]
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("crm.events"),
        [(e.data["envelope"]["idempotency_key"].encode(), e.to_bytes()) for e in items],
    )
    engine = create_engine(database_url, schema)
    async with ingest(settings, start=True):
        await wait_for_count(engine, "SELECT count(*) FROM issues", 2)
        letters = values(
            await drain(
                settings.kafka_bootstrap,
                settings.kafka_topic("ingest.dlq"),
                until=lambda r: len(r) >= 3,
            )
        )
        await wait_until_published(engine, 2)
        accepted = values(
            await drain(
                settings.kafka_bootstrap,
                settings.kafka_topic("issues.accepted"),
                until=lambda r: len(r) >= 2,
            )
        )
    async with engine.connect() as conn:
        stored = (
            await conn.execute(sa.text("SELECT idempotency_key, ingress FROM issues ORDER BY 1"))
        ).all()
        inbox = await conn.scalar(sa.text("SELECT count(*) FROM inbox"))
    await engine.dispose()

    reasons = sorted((v["data"]["check"], v["data"]["reason"]) for v in letters)
    assert reasons == [
        ("handler", "INVALID_FIELD"),
        ("handler", "PAYLOAD_TOO_LARGE"),
        ("schema", "INVALID_EVENT_ID"),
    ]
    stale_letter = next(v["data"] for v in letters if v["data"]["reason"] == "INVALID_FIELD")
    assert "envelope.source_timestamp" in stale_letter["detail"]
    original = json.loads(base64.b64decode(stale_letter["original_value_b64"]))
    assert original["event_id"] == str(stale.event_id)
    # The redelivered envelope was dropped by the inbox, the second envelope with the same
    # key was a duplicate: two issues, both from Kafka, and every good envelope processed.
    assert [tuple(r) for r in stored] == [("key-kafka-1", "kafka"), ("key-kafka-2", "kafka")]
    assert inbox == 3
    by_key = {a["data"]["event"]["envelope"]["idempotency_key"]: a for a in accepted}
    assert set(by_key) == {"key-kafka-1", "key-kafka-2"}
    first = by_key["key-kafka-1"]
    assert (first["producer"], first["type"]) == ("ingest", "IssueAccepted")
    assert first["causation_id"] == str(good.event_id)
    assert first["data"]["event"]["envelope"]["received_at"] is not None


async def wait_for_count(engine: AsyncEngine, sql: str, expected: int) -> None:
    latest = 0
    for _ in range(400):
        latest = await count(engine, sql)
        if latest >= expected:
            assert latest == expected
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{sql!r} reached {latest}, not {expected}, in time")

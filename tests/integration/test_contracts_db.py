"""The contracts schema on a real PostgreSQL: the state machine enforced by the database
itself (CONTRACT-001…007, generated from the domain's table), append-only history, and
race-free capability claims (E-006).

The Hypothesis property test in tests/unit/contracts/test_properties.py proves the code
never leaves the table; here every forbidden (from, to) pair — all of them, not a
sample — is attempted with raw SQL and Postgres refuses it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from govmesh.contracts.adapters.messages import Publisher
from govmesh.contracts.adapters.repository import ContractRepository
from govmesh.contracts.app import migrate
from govmesh.contracts.domain import ALLOWED_PAIRS, TERMINAL, TimerPolicy
from govmesh.contracts.settings import ContractsSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import OutboxWriter, create_engine
from govmesh.mesh.signing import Signer
from govmesh.schemas import ContractStatus, Principal
from tests.infra import unique
from tests.unit.contracts.factories import snapshot

pytestmark = pytest.mark.integration

S = ContractStatus

#: How to reach each status from an intake insert, through allowed moves only, with the
#: fields each status's guards need.
PATHS: dict[ContractStatus, list[ContractStatus]] = {
    S.DRAFT: [S.DRAFT],
    S.VALIDATED: [S.VALIDATED],
    S.ELIGIBLE: [S.ELIGIBLE],
    S.REJECTED: [S.REJECTED],
    S.APPROVED: [S.ELIGIBLE, S.APPROVED],
    S.ACTIVE: [S.ELIGIBLE, S.APPROVED, S.ACTIVE],
    S.COMPLETED: [S.ELIGIBLE, S.APPROVED, S.ACTIVE, S.COMPLETED],
    S.FAILED: [S.ELIGIBLE, S.APPROVED, S.FAILED],
    S.EXPIRED: [S.ELIGIBLE, S.EXPIRED],
    S.SUPERSEDED: [S.ELIGIBLE, S.SUPERSEDED],
}


@pytest.fixture(scope="module")
async def schema(database_url: str, keys_dir: Path) -> str:
    name = unique("contracts_")
    settings = ContractsSettings(database_url=database_url, keys_dir=keys_dir, db_schema=name)
    await asyncio.to_thread(migrate, settings)
    return name


@pytest.fixture
async def db(database_url: str, schema: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, schema)
    yield engine
    await engine.dispose()


async def insert_row(conn: AsyncConnection, status: ContractStatus, **cols: Any) -> UUID:
    contract = snapshot(status)
    values = {
        "id": contract.contract_id,
        "status": status.value,
        "issue": contract.issue_id,
        "caps": cols.get("caps", ["LOGS_LIST"]),
        "approved_by": cols.get("approved_by", "[]"),
        "confidence": cols.get("confidence", 0.85),
        "snapshot": json.dumps(contract.model_dump(mode="json")),
    }
    await conn.execute(
        sa.text(
            "INSERT INTO contracts (contract_id, version, status, issue_id, capabilities,"
            " audit_verdict, approved_by, confidence_score, snapshot, event, created_at,"
            " updated_at) VALUES (:id, 1, :status, :issue, :caps, 'PENDING',"
            " CAST(:approved_by AS jsonb), :confidence, CAST(:snapshot AS jsonb), '{}'::jsonb,"
            " now(), now())"
        ),
        values,
    )
    return contract.contract_id


async def move(conn: AsyncConnection, contract_id: UUID, to: ContractStatus) -> None:
    """UPDATE the status by raw SQL, filling the columns the target's guards need."""
    fields = {
        "approved_by": '["alice"]',
        "job_id": str(uuid4()) if to in (S.ACTIVE, S.COMPLETED) else None,
        "audit": "PASS" if to == S.COMPLETED else "PENDING",
    }
    current = await conn.scalar(
        sa.text("SELECT job_id FROM contracts WHERE contract_id = :id"), {"id": contract_id}
    )
    await conn.execute(
        sa.text(
            "UPDATE contracts SET status = :to, approved_by = CAST(:approved_by AS jsonb),"
            " job_id = coalesce(:job_id, job_id), audit_verdict = :audit,"
            " version = version + 1 WHERE contract_id = :id"
        ),
        {
            "to": to.value,
            "approved_by": fields["approved_by"],
            "job_id": fields["job_id"] if current is None else None,
            "audit": fields["audit"],
            "id": contract_id,
        },
    )


async def at_status(conn: AsyncConnection, status: ContractStatus) -> UUID:
    path = PATHS[status]
    contract_id = await insert_row(conn, path[0])
    for step in path[1:]:
        await move(conn, contract_id, step)
    return contract_id


async def refused(conn: AsyncConnection, action: Any) -> str:
    """Run `action` in a savepoint; return Postgres's refusal message (fail if accepted)."""
    savepoint = await conn.begin_nested()
    try:
        await action()
    except DBAPIError as exc:
        await savepoint.rollback()
        return str(exc.orig)
    await savepoint.rollback()
    raise AssertionError("Postgres accepted what the state machine forbids")


async def test_CONTRACT001_every_allowed_path_is_accepted_by_postgres(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        for status in ContractStatus:
            contract_id = await at_status(conn, status)
            stored = await conn.scalar(
                sa.text("SELECT status FROM contracts WHERE contract_id = :id"),
                {"id": contract_id},
            )
            assert stored == status.value
        await conn.rollback()


async def test_CONTRACT001_CONTRACT005_every_forbidden_move_is_refused_by_postgres(
    db: AsyncEngine,
) -> None:
    tried = 0
    async with db.connect() as conn:
        for source in ContractStatus:
            for target in ContractStatus:
                if source == target or (source, target) in ALLOWED_PAIRS:
                    continue
                contract_id = await at_status(conn, source)
                message = await refused(
                    conn, lambda cid=contract_id, to=target: move(conn, cid, to)
                )
                rule = "CONTRACT-005" if source in TERMINAL else "CONTRACT-001"
                assert rule in message, (source, target, message)
                tried += 1
        await conn.rollback()
    assert tried == 100 - 10 - len(ALLOWED_PAIRS)


async def test_CONTRACT005_terminal_rows_never_change_nor_disappear(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        for status in TERMINAL:
            contract_id = await at_status(conn, status)
            change = await refused(
                conn,
                lambda cid=contract_id: conn.execute(
                    sa.text("UPDATE contracts SET updated_at = now() WHERE contract_id = :id"),
                    {"id": cid},
                ),
            )
            delete = await refused(
                conn,
                lambda cid=contract_id: conn.execute(
                    sa.text("DELETE FROM contracts WHERE contract_id = :id"), {"id": cid}
                ),
            )
            assert "CONTRACT-005" in change and "CONTRACT-005" in delete
        await conn.rollback()


async def test_CONTRACT001_a_contract_is_never_created_past_intake(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        for status in (S.APPROVED, S.ACTIVE, S.COMPLETED, S.FAILED, S.EXPIRED, S.SUPERSEDED):
            message = await refused(conn, lambda s=status: insert_row(conn, s))
            assert "CONTRACT-001" in message


@pytest.mark.parametrize(
    ("target", "unguarded_rule"),
    [(S.APPROVED, "CONTRACT-002"), (S.ACTIVE, "CONTRACT-003"), (S.COMPLETED, "CONTRACT-004")],
)
async def test_status_guards_are_enforced_by_postgres(
    db: AsyncEngine, target: ContractStatus, unguarded_rule: str
) -> None:
    """The row sits at the status before `target` with only that status's fields set."""
    async with db.connect() as conn:
        contract_id = await at_status(conn, PATHS[target][-2])
        message = await refused(
            conn,
            lambda: conn.execute(
                sa.text("UPDATE contracts SET status = :to WHERE contract_id = :id"),
                {"to": target.value, "id": contract_id},
            ),
        )
        assert unguarded_rule in message
        await conn.rollback()


async def test_CONTRACT007_confidence_outside_0_1_is_refused(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        message = await refused(conn, lambda: insert_row(conn, S.DRAFT, confidence=1.5))
        assert "CONTRACT-007" in message


async def test_history_is_append_only(db: AsyncEngine) -> None:
    async with db.connect() as conn:
        contract_id = await insert_row(conn, S.DRAFT)
        await conn.execute(
            sa.text(
                "INSERT INTO contract_transitions (contract_id, version, from_status, to_status,"
                " actor, reason, at) VALUES (:id, 1, NULL, 'DRAFT', 'contracts', 'x', now())"
            ),
            {"id": contract_id},
        )
        message = await refused(
            conn,
            lambda: conn.execute(
                sa.text("UPDATE contract_transitions SET reason = 'y' WHERE contract_id = :id"),
                {"id": contract_id},
            ),
        )
        assert "append-only" in message
        await conn.rollback()


async def test_E006_concurrent_claims_on_one_capability_one_wins(
    db: AsyncEngine, keys_dir: Path
) -> None:
    """Two transactions claim LOGS_LIST at the same moment: exactly one holds it."""
    signer = Signer.load(keys_dir, Principal.CONTRACTS)
    publisher = Publisher(lambda message, **kw: make_envelope(message, signer, **kw))
    capability = f"CAP_{uuid4().hex[:8].upper()}"
    first, second = uuid4(), uuid4()
    started = asyncio.Event()
    results: dict[UUID, UUID | None] = {}

    async def claim(contract_id: UUID, wait: bool) -> None:
        async with db.begin() as conn:
            repo = ContractRepository(conn, OutboxWriter(conn), publisher, TimerPolicy())
            if wait:
                await started.wait()
            results[contract_id] = await repo.claim_capabilities(
                contract_id, [capability.lower()], snapshot().created_at
            )
            if not wait:
                started.set()
                await asyncio.sleep(0.3)  # hold the claim uncommitted while the other tries
            # The deferred FK needs the contract row: insert it as ELIGIBLE or REJECTED.
            status = S.ELIGIBLE if results[contract_id] is None else S.REJECTED
            await conn.execute(
                sa.text(
                    "INSERT INTO contracts (contract_id, version, status, issue_id, capabilities,"
                    " audit_verdict, approved_by, confidence_score, snapshot, event, created_at,"
                    " updated_at) VALUES (:id, 1, :status, :id, :caps, 'PENDING', '[]'::jsonb,"
                    " 0.9, '{}'::jsonb, '{}'::jsonb, now(), now())"
                ),
                {"id": contract_id, "status": status.value, "caps": [capability]},
            )

    await asyncio.gather(claim(first, wait=False), claim(second, wait=True))
    assert results == {first: None, second: first}
    async with db.connect() as conn:
        holders = (
            await conn.execute(
                sa.text("SELECT contract_id FROM capability_claims WHERE capability = :c"),
                {"c": capability},
            )
        ).all()
    assert [h[0] for h in holders] == [first]

"""The issue lifecycle follows the Validator (SPEC §2): RECEIVED → VALIDATING once handed
over on `issues.accepted`, then VALIDATED — or VALIDATION_FAILED for a fallback verdict."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import create_engine
from govmesh.mesh.signing import Signer
from govmesh.schemas import CrmEvent, Principal, ProposalValidated
from govmesh.validator.domain.fallback import fallback_verdict
from tests.integration.helpers import produce_raw
from tests.integration.test_ingest_service import (
    KEY,
    T0,
    URL,
    Clock,
    event,
    ingest,
    ingest_settings,
    new_schema,
)

pytestmark = pytest.mark.integration


async def issue_history(engine: AsyncEngine, issue_id: str) -> list[tuple[str | None, str]]:
    """The issue's status changes, oldest first, as (from, to)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT from_status, to_status FROM issue_events WHERE issue_id = :i ORDER BY id"
            ),
            {"i": issue_id},
        )
        return [(r.from_status, r.to_status) for r in rows]


async def _until_status(engine: AsyncEngine, issue_id: str, status: str) -> None:
    for _ in range(300):
        async with engine.connect() as conn:
            now = await conn.scalar(
                sa.text("SELECT status FROM issues WHERE issue_id = :i"), {"i": issue_id}
            )
        if now == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"issue {issue_id} stayed {now}, never {status}")


async def _verdict(
    settings: Any, keys_dir: Path, issue_id: str, raw: dict[str, Any], reason_of: datetime
) -> None:
    """Publish, as the Validator would, its fallback verdict on the issue."""
    message = ProposalValidated(
        issue_id=UUID(issue_id),
        event=CrmEvent.model_validate(raw),
        verdict=fallback_verdict("timeout", reason_of),
    )
    envelope = make_envelope(message, Signer.load(keys_dir, Principal.VALIDATOR))
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("proposals.validated"),
        [(issue_id.encode(), envelope.to_bytes())],
    )


async def test_issue_is_VALIDATING_once_handed_over_and_VALIDATION_FAILED_on_a_fallback_verdict(
    mesh: Any, database_url: str, keys_dir: Path
) -> None:
    schema = await new_schema(database_url, keys_dir)
    settings = ingest_settings(mesh, schema)
    engine = create_engine(database_url, schema)
    raw = event("lifecycle-follow", T0)
    try:
        async with ingest(settings, Clock(T0), start=True) as (_, client):
            answer = await client.post(URL, json=raw, headers=KEY)
            assert answer.status_code == 201, answer.text
            issue_id = answer.json()["issue_id"]
            assert answer.json()["status"] == "RECEIVED"

            await _until_status(engine, issue_id, "VALIDATING")
            await _verdict(settings, keys_dir, issue_id, raw, T0)
            await _until_status(engine, issue_id, "VALIDATION_FAILED")
            # GATE-8: the requester sees that it failed, never the verdict behind it.
            view = (await client.get(f"/api/v1/issues/{issue_id}/status", headers=KEY)).json()
            assert view["status"] == "FAILED"
            assert "Validator error" not in str(view)
            # A late or repeated verdict cannot take a terminal issue anywhere.
            await _verdict(settings, keys_dir, issue_id, raw, T0)
            await asyncio.sleep(1.0)
        assert await issue_history(engine, issue_id) == [
            (None, "RECEIVED"),
            ("RECEIVED", "VALIDATING"),
            ("VALIDATING", "VALIDATION_FAILED"),
        ]
    finally:
        await engine.dispose()

"""Steps 1–2 on the real broker and database: HTTP submission to one advisory verdict."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from govmesh.ingest.app import build as build_ingest
from govmesh.ingest.app import migrate as migrate_ingest
from govmesh.ingest.settings import IngestSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.db import create_engine
from govmesh.mesh.signing import Signer
from govmesh.schemas import CrmEvent, Lifecycle, Principal, RegistryState
from govmesh.validator.app import build as build_validator
from govmesh.validator.settings import ValidatorSettings
from tests.infra import unique
from tests.integration.helpers import drain, produce_raw, values
from tests.integration.test_issue_lifecycle import issue_history

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden" / "CrmEvent.json"
API_KEY = "flow-test-key"


def _event(subject: str, body: str) -> dict[str, object]:
    event = json.loads(GOLDEN.read_text())
    event["envelope"]["event_id"] = str(uuid4())
    event["envelope"]["idempotency_key"] = f"flow-{uuid4()}"
    event["envelope"]["source_timestamp"] = datetime.now(UTC).isoformat()
    event["attribution"]["source_reference"] = f"TICKET-{uuid4().hex[:8]}"
    event["payload"]["subject"] = subject
    event["payload"]["body"] = body
    event["payload"].pop("structured_data", None)
    return event


@pytest.fixture
async def flow(mesh, keys_dir: Path):
    """Ingest (HTTP + outbox) and the validator, with a registry that knows LOGS_LIST."""
    base = mesh(Principal.INGEST)
    ingest_settings = IngestSettings(
        **{**base.model_dump(), "principal": Principal.INGEST},
        api_keys={API_KEY: "*"},
        db_schema=unique("ingest_"),
    )
    await asyncio.to_thread(migrate_ingest, ingest_settings)
    executor = Signer.load(keys_dir, Principal.EXECUTOR)
    record = RegistryState(
        name="LOGS_LIST",
        enabled=False,
        lifecycle=Lifecycle.PREVIEW,
        config={"max_requests_per_minute": 100},
        revision=1,
        updated_at=datetime.now(UTC),
    )
    await produce_raw(
        base.kafka_bootstrap,
        base.kafka_topic("registry.state"),
        [(b"LOGS_LIST", make_envelope(record, executor).to_bytes())],
    )
    ingest_runtime, app = build_ingest(ingest_settings)
    validator_runtime, _ = build_validator(
        ValidatorSettings(**{**base.model_dump(), "principal": Principal.VALIDATOR})
    )
    await ingest_runtime.start()
    await validator_runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://ingest")
    try:
        yield base, client, ingest_settings
    finally:
        await client.aclose()
        await validator_runtime.stop()
        await ingest_runtime.stop()


async def test_submission_retried_five_times_concurrently_gives_one_issue_and_one_verdict(
    flow,
) -> None:
    settings, client, ingest_settings = flow
    event = _event(
        "Please enable LOGS_LIST for our team",
        "Hi, could you enable LOGS_LIST for the acme-prod project? We need log listing.",
    )
    answers = await asyncio.gather(
        *[
            client.post("/api/v1/governance/events", json=event, headers={"X-API-Key": API_KEY})
            for _ in range(5)
        ]
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 200, 200, 200, 201], [a.text for a in answers]
    issue_ids = {a.json()["issue_id"] for a in answers}
    assert len(issue_ids) == 1

    topic = settings.kafka_topic("proposals.validated")
    records = await drain(
        settings.kafka_bootstrap, topic, until=lambda r: len(r) >= 1, timeout_s=60
    )
    await asyncio.sleep(1.0)
    records = await drain(settings.kafka_bootstrap, topic, until=lambda r: False, timeout_s=2)
    verdicts = values(records)
    assert len(verdicts) == 1
    verdict = verdicts[0]
    assert verdict["producer"] == "validator"
    assert verdict["data"]["issue_id"] in issue_ids
    assert verdict["data"]["verdict"]["issue_type"] == "capability_request"
    assert verdict["data"]["verdict"]["affected_capabilities"] == ["LOGS_LIST"]
    changes = verdict["data"]["verdict"]["proposed_changes"]
    assert changes[0]["type"] == "capability_enable"
    assert changes[0]["capability_name"] == "LOGS_LIST"

    # SPEC §2: handed over, then judged — the issue follows its verdict.
    engine = create_engine(ingest_settings.require_database(), ingest_settings.db_schema)
    try:
        for _ in range(100):
            history = await issue_history(engine, verdict["data"]["issue_id"])
            if len(history) == 3:
                break
            await asyncio.sleep(0.05)
        assert history == [
            (None, "RECEIVED"),
            ("RECEIVED", "VALIDATING"),
            ("VALIDATING", "VALIDATED"),
        ]
    finally:
        await engine.dispose()


async def test_crm_event_published_on_kafka_takes_the_same_path(flow, keys_dir: Path) -> None:
    settings, _, _ = flow
    event = CrmEvent.model_validate(
        _event("Raise the rate limit", "Please set max_requests_per_minute to 200 for LOGS_LIST.")
    )
    crm = Signer.load(keys_dir, Principal.CRM)
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("crm.events"),
        [(event.envelope.idempotency_key.encode(), make_envelope(event, crm).to_bytes())],
    )
    records = await drain(
        settings.kafka_bootstrap,
        settings.kafka_topic("proposals.validated"),
        until=lambda r: len(r) >= 1,
        timeout_s=60,
    )
    verdict = values(records)[0]["data"]["verdict"]
    assert verdict["issue_type"] == "configuration_change"
    change = verdict["proposed_changes"][0]
    assert change["type"] == "configuration_update"
    assert (change["key"], change["old_value"], change["new_value"]) == (
        "max_requests_per_minute",
        100,
        200,
    )

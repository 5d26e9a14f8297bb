"""The console on the real broker: founder decisions durably published, auth and CSRF.

A contract is published on `contracts.lifecycle` as the contracts principal; the console
folds it into its view with a group-less consumer, and its API answers through ASGI.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from govmesh.console.app import build
from govmesh.console.settings import ConsoleSettings
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import ContractSnapshot, Envelope, FounderDecision, Principal
from tests.conftest import MeshFactory
from tests.integration.helpers import drain, produce_raw, wait_until
from tests.unit.console.factories import contract, lifecycle

pytestmark = pytest.mark.integration

TOKEN = "console-it-founder-token"


@dataclass
class Running:
    settings: ConsoleSettings
    runtime: ServiceRuntime
    client: httpx.AsyncClient
    eligible: ContractSnapshot


async def publish_contract(settings: ConsoleSettings, keys_dir: Path, c: ContractSnapshot) -> None:
    contracts = Signer.load(keys_dir, Principal.CONTRACTS)
    await produce_raw(
        settings.kafka_bootstrap,
        settings.kafka_topic("contracts.lifecycle"),
        [(str(c.contract_id).encode(), make_envelope(lifecycle(c), contracts).to_bytes())],
    )


@pytest.fixture
async def console(mesh: MeshFactory, keys_dir: Path) -> AsyncIterator[Running]:
    base = mesh(Principal.CONSOLE)
    settings = ConsoleSettings(
        **{**base.model_dump(), "principal": Principal.CONSOLE},
        founder_tokens={TOKEN: "founder"},
    )
    now = datetime.now(UTC)
    eligible = contract(at=now - timedelta(minutes=5))
    await publish_contract(settings, keys_dir, eligible)
    runtime, app = build(settings)
    await runtime.start()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://console")
    try:
        await wait_until(
            lambda: app.state.console.console.views.contract(eligible.contract_id) is not None
        )
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        yield Running(settings, runtime, client, eligible)
    finally:
        await client.aclose()
        await runtime.stop()


async def test_REVIEW_004_approve_publishes_one_signed_founder_decision(
    console: Running, keys_dir: Path
) -> None:
    c = console.eligible
    start = datetime.now(UTC) + timedelta(hours=1)
    end = start + timedelta(hours=6)
    r = await console.client.post(
        f"/api/v1/contracts/{c.contract_id}/approve",
        json={
            "activation_window_start": start.isoformat(),
            "activation_window_end": end.isoformat(),
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert r.status_code == 202, r.text
    event_id = UUID(r.json()["event_id"])

    topic = console.settings.kafka_topic("founder.decisions")
    first = await drain(console.settings.kafka_bootstrap, topic, until=lambda rs: len(rs) >= 1)
    assert len(first) >= 1
    # Re-read the whole topic for a while: the one decision must stay alone.
    records = await drain(
        console.settings.kafka_bootstrap, topic, until=lambda rs: False, timeout_s=1.5
    )
    assert len(records) == 1
    record = records[0]
    assert record.key == str(c.contract_id).encode()
    envelope = Envelope.model_validate_json(record.value)
    TrustStore.load(keys_dir).verify(envelope, record.value)
    assert envelope.producer is Principal.CONSOLE
    assert envelope.type == "FounderDecision"
    assert envelope.event_id == event_id
    assert envelope.correlation_id == c.issue_id
    decision = FounderDecision.model_validate(envelope.data)
    assert decision.decision_id == event_id
    assert decision.contract_id == c.contract_id
    assert decision.action.value == "APPROVE"
    assert decision.founder == "founder"
    assert decision.session_id.startswith("api-")
    assert (decision.activation_window_start, decision.activation_window_end) == (start, end)


async def test_console_refuses_without_token_bad_token_and_form_without_csrf(
    console: Running,
) -> None:
    c = console.eligible
    path = f"/api/v1/contracts/{c.contract_id}/approve"
    missing = await console.client.post(path)
    assert (missing.status_code, missing.json()["error_code"]) == (401, "UNAUTHORIZED")
    bad = await console.client.post(path, headers={"Authorization": "Bearer not-a-founder"})
    assert (bad.status_code, bad.json()["field"]) == (401, "Authorization")

    login = await console.client.post("/login", data={"token": TOKEN})
    assert login.status_code == 303
    page = await console.client.get(f"/contracts/{c.contract_id}")
    assert page.status_code == 200
    assert re.search(r'name="csrf_token" value="[0-9a-f]{64}"', page.text)
    form = await console.client.post(f"/contracts/{c.contract_id}/approve", data={})
    assert form.status_code == 403

    records = await drain(
        console.settings.kafka_bootstrap,
        console.settings.kafka_topic("founder.decisions"),
        until=lambda rs: False,
        timeout_s=1.5,
    )
    assert records == []

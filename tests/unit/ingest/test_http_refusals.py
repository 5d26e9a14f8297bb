"""The HTTP surface's refusals, in process: nothing here reaches a database.

The store is a stand-in that fails the test if it is used: every request below must be
refused before anything could be written.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.ingest.domain import ErrorCode, FieldError, IngestPolicy, RateLimit, RateLimiter
from govmesh.ingest.entrypoints.deps import HttpContext
from govmesh.ingest.entrypoints.http import create_app, http_status
from govmesh.ingest.service_layer.group_commit import GroupCommit
from govmesh.ingest.service_layer.intake import Intake, Sealer
from govmesh.mesh.codec import make_envelope
from govmesh.mesh.signing import Signer
from govmesh.schemas import Envelope, Principal
from govmesh.schemas.common import Message
from tests.unit.ingest.factories import NOW, raw_event, with_field

pytestmark = pytest.mark.unit

URL = "/api/v1/governance/events"
KEY = {"X-API-Key": "key-eu"}
INGEST_SIGNER = Signer(Principal.INGEST, Ed25519PrivateKey.generate())


class NoEngine:
    """Any use means a refusal path touched the database."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the database was used ({name}) for a refused request")


def no_seal(*_: Any, **__: Any) -> Envelope:
    raise AssertionError("nothing may be sealed for a refused request")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FailingEngine:
    """A database that fails every connection with `error`, counting the attempts."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.attempts = 0

    def connect(self) -> Any:
        self.attempts += 1
        raise self.error

    begin = connect


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(NoEngine()) as c:
        yield c


def ingest_seal(message: Message, **links: Any) -> Envelope:
    """Seals as ingest would, for requests that pass every check and reach the store."""
    return make_envelope(message, INGEST_SIGNER, **links)


@asynccontextmanager
async def make_client(engine: object, seal: Sealer = no_seal) -> AsyncIterator[httpx.AsyncClient]:
    context = HttpContext(
        engine=cast(AsyncEngine, engine),
        intake=Intake(IngestPolicy(max_payload_bytes=2048), seal),
        group_commit=GroupCommit(cast(AsyncEngine, engine)),
        limiter=RateLimiter(RateLimit(rate_per_s=1.0, burst=100)),
        api_keys={"key-eu": "crm-eu", "key-small": "crm-eu"},
        clock=Clock(NOW),
        on_commit=lambda: None,
    )
    app = create_app(context, checks={})
    # Unhandled errors are answered by the app; they must not also fail the client.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as c:
        yield c


async def test_UNAUTHORIZED_without_api_key(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=raw_event())
    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHORIZED"
    assert response.json()["field"] == "X-API-Key"


async def test_UNAUTHORIZED_with_unknown_api_key_even_for_bad_json(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(URL, content=b"{", headers={"X-API-Key": "nope"})
    assert response.status_code == 401


async def test_SCHEMA_VALIDATION_FAILED_for_malformed_json_is_400(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(URL, content=b'{"envelope": ', headers=KEY)
    assert response.status_code == 400
    body = response.json()
    assert (body["error_code"], body["field"]) == ("SCHEMA_VALIDATION_FAILED", "$")
    assert "not valid JSON" in body["message"]


@pytest.mark.parametrize("content", [b"NaN", b'{"a": Infinity}', b"\xff\xfe\x00", b"[" * 2000])
async def test_SCHEMA_VALIDATION_FAILED_for_non_json_constants_bytes_and_nesting(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(URL, content=content, headers=KEY)
    assert response.status_code == 400
    assert response.json()["error_code"] == "SCHEMA_VALIDATION_FAILED"


async def test_SCHEMA_VALIDATION_FAILED_for_a_missing_part_is_400(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(URL, json=with_field(raw_event(), "payload"), headers=KEY)
    assert response.status_code == 400
    assert response.json()["field"] == "payload"


async def test_field_rule_violation_is_422_with_every_error(client: httpx.AsyncClient) -> None:
    raw = with_field(raw_event(), "envelope.event_id", "x")
    raw = with_field(raw, "payload.body", "<script>x</script>")
    response = await client.post(URL, json=raw, headers=KEY)
    assert response.status_code == 422
    body = response.json()
    assert (body["error_code"], body["field"]) == ("INVALID_EVENT_ID", "envelope.event_id")
    assert [(e["error_code"], e["field"]) for e in body["errors"]] == [
        ("INVALID_EVENT_ID", "envelope.event_id"),
        ("INVALID_BODY", "payload.body"),
    ]


async def test_INVALID_FIELD_stale_timestamp_is_422(client: httpx.AsyncClient) -> None:
    raw = with_field(raw_event(), "envelope.source_timestamp", "2025-03-01T00:00:00+00:00")
    response = await client.post(URL, json=raw, headers=KEY)
    assert response.status_code == 422
    assert response.json()["field"] == "envelope.source_timestamp"


async def test_PAYLOAD_TOO_LARGE_by_declared_length_is_413(client: httpx.AsyncClient) -> None:
    raw = with_field(raw_event(), "payload.body", "b" * 3000)
    response = await client.post(URL, json=raw, headers=KEY)
    assert response.status_code == 413
    assert response.json()["error_code"] == "PAYLOAD_TOO_LARGE"


async def test_PAYLOAD_TOO_LARGE_for_a_streamed_body_without_length(
    client: httpx.AsyncClient,
) -> None:
    payload = json.dumps(with_field(raw_event(), "payload.body", "b" * 3000)).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 512):
            yield payload[i : i + 512]

    response = await client.post(URL, content=chunks(), headers=KEY)
    assert response.status_code == 413


async def test_INVALID_SOURCE_SYSTEM_for_another_source_system_is_403(
    client: httpx.AsyncClient,
) -> None:
    raw = with_field(raw_event(), "attribution.source_system", "crm-us")
    response = await client.post(URL, json=raw, headers=KEY)
    assert response.status_code == 403
    assert response.json()["error_code"] == "INVALID_SOURCE_SYSTEM"


async def test_RATE_LIMITED_is_429_with_retry_after_and_per_key(client: httpx.AsyncClient) -> None:
    statuses = [
        (await client.post(URL, content=b"{", headers={"X-API-Key": "key-small"})).status_code
        for _ in range(100)
    ]
    assert statuses == [400] * 100
    limited = await client.post(URL, content=b"{", headers={"X-API-Key": "key-small"})
    assert limited.status_code == 429
    assert limited.json()["error_code"] == "RATE_LIMITED"
    assert limited.headers["Retry-After"] == "1"
    assert (await client.post(URL, content=b"{", headers=KEY)).status_code == 400


async def test_status_UNAUTHORIZED_and_bad_issue_id(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/issues/x/status")).status_code == 401
    response = await client.get("/api/v1/issues/not-a-uuid/status", headers=KEY)
    assert response.status_code == 422
    assert response.json()["field"] == "issue_id"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (ErrorCode.UNAUTHORIZED, 401),
        (ErrorCode.RATE_LIMITED, 429),
        (ErrorCode.PAYLOAD_TOO_LARGE, 413),
        (ErrorCode.SCHEMA_VALIDATION_FAILED, 400),
        (ErrorCode.INVALID_FIELD, 422),
        (ErrorCode.INVALID_BODY, 422),
        (ErrorCode.ISSUE_NOT_FOUND, 404),
        (ErrorCode.INTERNAL_ERROR, 500),
    ],
)
def test_http_status_of_each_error_code(code: ErrorCode, status: int) -> None:
    assert http_status(FieldError(code, "f", "m")) == status


async def test_INTERNAL_ERROR_for_a_store_failure_that_no_retry_can_fix() -> None:
    engine = FailingEngine(ValueError("a bug"))
    async with make_client(engine, ingest_seal) as client:
        response = await client.post(URL, json=raw_event(), headers=KEY)
    assert response.status_code == 500
    assert response.json()["error_code"] == "INTERNAL_ERROR"
    assert "a bug" not in response.text
    assert engine.attempts == 1


async def test_INTERNAL_ERROR_503_after_retrying_a_database_that_is_away() -> None:
    engine = FailingEngine(ConnectionRefusedError("db down"))
    async with make_client(engine, ingest_seal) as client:
        response = await client.post(URL, json=raw_event(), headers=KEY)
    assert response.status_code == 503
    assert response.json()["error_code"] == "INTERNAL_ERROR"
    assert engine.attempts == 3


async def test_both_routes_document_the_api_key_header(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for route in (paths[URL]["post"], paths["/api/v1/issues/{issue_id}/status"]["get"]):
        assert {"name": "X-API-Key", "in": "header", "required": False} in [
            {k: p[k] for k in ("name", "in", "required")} for p in route["parameters"]
        ]

"""The health HTTP API in process on fakes: answers and refusals `{error_code, field, message}`.

The broker path is proved in tests/integration/test_health_service.py; here every
refusal of the table in `govmesh.health.entrypoints.http` is checked cheaply.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from govmesh.health.entrypoints.deps import HttpContext
from govmesh.health.entrypoints.http import create_app
from tests.unit.health.factories import raw_payload
from tests.unit.health.fakes import Clock, Published, service

pytestmark = pytest.mark.unit

OPS = {"Authorization": "Bearer ops-secret"}
BODY = {"status": "UNHEALTHY", "reason": "datacenter drill", "ttl_seconds": 300}


def client_for(published: Published, **context: object) -> httpx.AsyncClient:
    values: dict[str, object] = {
        "service": service(Clock(), published),
        "ops_tokens": {"ops-secret": "alice"},
        "founder_tokens": {"founder-secret": "founder"},
        "alertmanager_tokens": {},
        "max_body_bytes": 4096,
    }
    values.update(context)
    app = create_app(HttpContext(**values), checks={}, lifespan=None)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://health")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(Published()) as c:
        yield c


def refused(answer: httpx.Response, status: int, code: str, field: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error_code"] == code
    assert answer.json()["field"] == field
    assert set(answer.json()) == {"error_code", "field", "message"}


async def test_PART2_005_webhook_answers_what_it_applied_ignored_and_published(client) -> None:
    answer = await client.post("/api/v1/alertmanager", json=raw_payload("firing_mixed_severities"))
    assert answer.status_code == 200
    result = answer.json()
    assert result["received"] == 4
    assert [a["scope"] for a in result["applied"]] == ["SYSTEM", "LOG_SEARCH", "LOG_SEARCH"]
    assert [i["alertname"] for i in result["ignored"]] == ["Watchdog"]
    assert result["published"] == ["SYSTEM", "LOG_SEARCH"]


async def test_PART2_005_webhook_refusals(client) -> None:
    refused(
        await client.post("/api/v1/alertmanager", content=b"{nope"),
        400,
        "SCHEMA_VALIDATION_FAILED",
        "$",
    )
    wrong_version = raw_payload("firing_capability_critical") | {"version": "3"}
    refused(
        await client.post("/api/v1/alertmanager", json=wrong_version),
        422,
        "INVALID_FIELD",
        "version",
    )
    no_labels = raw_payload("firing_capability_critical")
    del no_labels["alerts"][0]["labels"]
    refused(
        await client.post("/api/v1/alertmanager", json=no_labels),
        422,
        "INVALID_FIELD",
        "alerts.0.labels",
    )
    refused(
        await client.post("/api/v1/alertmanager", content=b" " * 5000),
        413,
        "PAYLOAD_TOO_LARGE",
        "$",
    )


async def test_PART2_005_webhook_token_is_required_once_configured() -> None:
    published = Published()
    async with client_for(published, alertmanager_tokens={"am-secret": "alertmanager"}) as c:
        payload = raw_payload("firing_capability_critical")
        refused(
            await c.post("/api/v1/alertmanager", json=payload), 401, "UNAUTHORIZED", "Authorization"
        )
        assert published.batches == []
        answer = await c.post(
            "/api/v1/alertmanager", json=payload, headers={"Authorization": "Bearer am-secret"}
        )
        assert answer.status_code == 200


async def test_PART2_005_webhook_publish_failure_is_503_so_alertmanager_retries() -> None:
    published = Published()
    published.fail = True
    async with client_for(published) as c:
        answer = await c.post(
            "/api/v1/alertmanager", json=raw_payload("firing_capability_critical")
        )
        refused(answer, 503, "PUBLISH_FAILED", "$")


async def test_PART2_005_override_refusals_401_403_422(client) -> None:
    url = "/api/v1/health/SYSTEM"
    refused(await client.put(url, json=BODY), 401, "UNAUTHORIZED", "Authorization")
    refused(
        await client.put(url, json=BODY, headers={"Authorization": "Bearer founder-secret"}),
        403,
        "FORBIDDEN",
        "Authorization",
    )
    refused(
        await client.put("/api/v1/health/logs-list", json=BODY, headers=OPS),
        422,
        "INVALID_SCOPE",
        "scope",
    )
    refused(
        await client.put(url, json={**BODY, "status": "FINE"}, headers=OPS),
        422,
        "INVALID_FIELD",
        "status",
    )
    refused(await client.put(url, json=[1], headers=OPS), 400, "SCHEMA_VALIDATION_FAILED", "$")
    refused(await client.delete(url, headers=OPS), 404, "OVERRIDE_NOT_FOUND", "scope")


async def test_PART2_005_override_set_read_and_cleared(client) -> None:
    answer = await client.put("/api/v1/health/logs_list", json=BODY, headers=OPS)
    assert answer.status_code == 200, answer.text
    value = answer.json()
    assert (value["scope"], value["status"], value["source"]) == (
        "LOGS_LIST",
        "UNHEALTHY",
        "override:alice",
    )
    assert value["override"]["expires_at"] == "2025-06-02T09:05:00+00:00"
    one = (await client.get("/api/v1/health/LOGS_LIST")).json()
    assert one["source"] == "override:alice"
    everything = (await client.get("/api/v1/health")).json()
    assert everything["heartbeat_s"] == 5.0
    assert [row["scope"] for row in everything["scopes"]] == ["SYSTEM", "LOGS_LIST"]
    cleared = await client.delete("/api/v1/health/LOGS_LIST", headers=OPS)
    assert (cleared.status_code, cleared.json()["source"]) == (200, "baseline")
    refused(await client.get("/api/v1/health/NOT_PUBLISHED"), 404, "INVALID_SCOPE", "scope")

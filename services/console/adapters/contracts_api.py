"""What the console reads from the contract authority's read API (GOVMESH_CONTRACTS_URL).

The console holds no incident or audit records: they live in the contracts database
and its read API is their source (`GET /api/v1/incidents`, `GET /api/v1/audits/{job_id}`).
The web pages read them when asked; acting on one is a founder decision like any other
(ACKNOWLEDGE_INCIDENT, RESOLVE_AUDIT, ACKNOWLEDGE_AUDIT), checked again by contracts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from pydantic import BaseModel, ConfigDict

#: How long the page waits for the contracts read API.
TIMEOUT_S = 5.0
#: The newest incidents the page lists.
LIMIT = 200


class Incident(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    incident_id: UUID
    contract_id: UUID
    job_id: UUID | None = None
    audit_id: UUID | None = None
    kind: str
    rule: str
    message: str
    opened_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledgement: str | None = None


class ContractsApiUnavailable(Exception):
    """The contracts read API is not configured, did not answer, or has no such record."""


async def _get(contracts_url: str | None, path: str, params: dict[str, Any]) -> Any:
    if not contracts_url:
        raise ContractsApiUnavailable(
            "the contracts read API is not configured (GOVMESH_CONTRACTS_URL)"
        )
    try:
        async with httpx.AsyncClient(base_url=contracts_url, timeout=TIMEOUT_S) as client:
            answer = await client.get(path, params=params)
            answer.raise_for_status()
            return answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ContractsApiUnavailable(
            f"the contracts read API did not answer {path}: {exc!r}"
        ) from exc


async def list_incidents(contracts_url: str | None) -> list[Incident]:
    """The newest incidents, open ones first; `ContractsApiUnavailable` with the reason."""
    body = await _get(contracts_url, "/api/v1/incidents", {"limit": LIMIT})
    incidents = [Incident.model_validate(row) for row in body.get("incidents", [])]
    # Open first, each group newest first (the API's order within it).
    return sorted(incidents, key=lambda i: i.acknowledged_at is not None)


async def standing_audit_id(contracts_url: str | None, job_id: UUID) -> UUID:
    """The audit a human reviews for `job_id`: the standing verdict's id."""
    body = await _get(contracts_url, f"/api/v1/audits/{job_id}", {})
    audit_id = body.get("audit_id")
    if not audit_id:
        raise ContractsApiUnavailable(f"job {job_id} has no audit verdict yet")
    return UUID(str(audit_id))

"""Incidents as the contract authority's read API lists them (`GET /api/v1/incidents`).

The console holds no incident state: incidents live in the contracts database and its
read API is their source. The web page reads them on each request; acknowledging one
is a founder decision (ACKNOWLEDGE_INCIDENT) like any other.
"""

from __future__ import annotations

from datetime import datetime
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


class IncidentsUnavailable(Exception):
    """The contracts read API is not configured or did not answer."""


async def list_incidents(contracts_url: str | None) -> list[Incident]:
    """The newest incidents, open ones first; `IncidentsUnavailable` with the reason."""
    if not contracts_url:
        raise IncidentsUnavailable(
            "the contracts read API is not configured (GOVMESH_CONTRACTS_URL)"
        )
    try:
        async with httpx.AsyncClient(base_url=contracts_url, timeout=TIMEOUT_S) as client:
            answer = await client.get("/api/v1/incidents", params={"limit": LIMIT})
            answer.raise_for_status()
            rows = answer.json()["incidents"]
    except (httpx.HTTPError, KeyError, ValueError) as exc:
        raise IncidentsUnavailable(f"the contracts read API did not answer: {exc!r}") from exc
    incidents = [Incident.model_validate(row) for row in rows]
    # Open first, each group newest first (the API's order within it).
    return sorted(incidents, key=lambda i: i.acknowledged_at is not None)

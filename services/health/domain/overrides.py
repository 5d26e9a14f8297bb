"""Manual overrides by operators (PART2-005): validated here, winning until they expire.

Body of `PUT /api/v1/health/{scope}`: `status` (HEALTHY, DEGRADED or UNHEALTHY),
`reason` (1-500 characters), and exactly one of `expires_at` (ISO 8601 with time
zone, in the future) or `ttl_seconds`; the expiry may be at most the configured
maximum ahead. An override without an expiry is refused: a forgotten override would
otherwise hide real alerts forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from govmesh.health.domain.errors import WHOLE_DOCUMENT, ErrorCode, Refusal
from govmesh.health.domain.state import Override
from govmesh.schemas import HealthStatus

OVERRIDABLE = frozenset({HealthStatus.HEALTHY, HealthStatus.DEGRADED, HealthStatus.UNHEALTHY})


class OverrideBody(BaseModel):
    """The request body as sent; checked further by `decide_override`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: HealthStatus
    reason: str = Field(min_length=1, max_length=500)
    expires_at: AwareDatetime | None = None
    ttl_seconds: float | None = Field(default=None, gt=0)


def parse_body(raw: object) -> OverrideBody | Refusal:
    """The body, or INVALID_FIELD naming the first bad field (SCHEMA_VALIDATION_FAILED
    when the document is not an object)."""
    if not isinstance(raw, dict):
        return Refusal(
            ErrorCode.SCHEMA_VALIDATION_FAILED, WHOLE_DOCUMENT, "the body must be a JSON object"
        )
    try:
        return OverrideBody.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or WHOLE_DOCUMENT
        return Refusal(ErrorCode.INVALID_FIELD, where, f"{where}: {first['msg']}")


def decide_override(
    scope: str,
    body: OverrideBody,
    operator: str,
    now: datetime,
    max_ttl: timedelta,
) -> Override | Refusal:
    """The override to record, or the refusal naming the field to fix."""
    if body.status not in OVERRIDABLE:
        return Refusal(
            ErrorCode.INVALID_FIELD,
            "status",
            f"status: an override sets HEALTHY, DEGRADED or UNHEALTHY, not {body.status.value}",
        )
    if not body.reason.strip():
        return Refusal(ErrorCode.INVALID_FIELD, "reason", "reason: must not be blank")
    if (body.expires_at is None) == (body.ttl_seconds is None):
        return Refusal(
            ErrorCode.INVALID_FIELD,
            "expires_at",
            "expires_at: give exactly one of expires_at (ISO 8601 with time zone) or ttl_seconds",
        )
    if body.expires_at is not None:
        expires_at = body.expires_at
        field = "expires_at"
    else:
        assert body.ttl_seconds is not None
        field = "ttl_seconds"
        if body.ttl_seconds > max_ttl.total_seconds():
            return _too_far(field, max_ttl)
        expires_at = now + timedelta(seconds=body.ttl_seconds)
    if expires_at <= now:
        return Refusal(ErrorCode.INVALID_FIELD, field, f"{field}: must be in the future")
    if expires_at - now > max_ttl:
        return _too_far(field, max_ttl)
    return Override(
        scope=scope,
        status=body.status,
        reason=body.reason.strip(),
        operator=operator,
        set_at=now,
        expires_at=expires_at,
    )


def _too_far(field: str, max_ttl: timedelta) -> Refusal:
    return Refusal(
        ErrorCode.INVALID_FIELD,
        field,
        f"{field}: an override may last at most {int(max_ttl.total_seconds())} s; "
        "set it again when it runs out",
    )

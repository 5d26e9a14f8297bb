"""Who may submit and read (the `X-API-Key` binding): pure checks over the configured keys.

Each API key is bound to one `source_system`, or to `*` for any. A key may submit only
events whose `attribution.source_system` it is bound to, and read only their issues.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from govmesh.ingest.domain.errors import ErrorCode, FieldError
from govmesh.schemas import CrmEvent

ANY_SOURCE_SYSTEM = "*"
API_KEY_FIELD = "X-API-Key"


def authenticate(presented: str | None, keys: Mapping[str, str]) -> str | FieldError:
    """The source system the presented key is bound to, or UNAUTHORIZED.

    Every configured key is compared in constant time so timing does not reveal a prefix.
    """
    bound: str | None = None
    if presented:
        for key, source_system in keys.items():
            if hmac.compare_digest(key.encode(), presented.encode()):
                bound = source_system
    if bound is None:
        return FieldError(
            ErrorCode.UNAUTHORIZED,
            API_KEY_FIELD,
            "a valid API key is required in the X-API-Key header",
        )
    return bound


def may_act_for(bound: str, source_system: str) -> bool:
    """Whether a key bound to `bound` may submit for or read `source_system`."""
    return bound in (ANY_SOURCE_SYSTEM, source_system)


def check_binding(event: CrmEvent, bound: str) -> FieldError | None:
    """INVALID_SOURCE_SYSTEM when the event claims a source system its key is not bound to."""
    claimed = event.attribution.source_system
    if may_act_for(bound, claimed):
        return None
    return FieldError(
        ErrorCode.INVALID_SOURCE_SYSTEM,
        "attribution.source_system",
        f"attribution.source_system: this API key may only submit for {bound!r}, not {claimed!r}",
    )

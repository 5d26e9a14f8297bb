"""Who may override health: ops tokens only (PART2-005: founders and jobs never write health).

`Authorization: Bearer <token>`; tokens map to the operator's name, which becomes the
value's source (`override:<name>`). A founder token is a known identity without the
right: 403, not 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from govmesh.health.domain.errors import ErrorCode, Refusal

AUTH_FIELD = "Authorization"


def _match(presented: str, tokens: Mapping[str, str]) -> str | None:
    # Every token is compared in constant time so timing does not reveal a prefix.
    found: str | None = None
    for token, name in tokens.items():
        if hmac.compare_digest(token.encode(), presented.encode()):
            found = name
    return found


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate(
    header: str | None, ops_tokens: Mapping[str, str], founder_tokens: Mapping[str, str]
) -> str | Refusal:
    """The operator's name, or UNAUTHORIZED (no/unknown token) or FORBIDDEN (not ops)."""
    token = bearer(header)
    if token is not None:
        operator = _match(token, ops_tokens)
        if operator is not None:
            return operator
        if _match(token, founder_tokens) is not None:
            return Refusal(
                ErrorCode.FORBIDDEN,
                AUTH_FIELD,
                "founder tokens may not write health (PART2-005: health is the supreme "
                "authority); use an ops token",
            )
    return Refusal(
        ErrorCode.UNAUTHORIZED,
        AUTH_FIELD,
        "a valid ops token is required in the header 'Authorization: Bearer <token>'",
    )

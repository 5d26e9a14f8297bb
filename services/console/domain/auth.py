"""Founder authentication by bearer token: pure checks over the configured tokens."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

BEARER = "bearer"


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != BEARER or not token:
        return None
    return token


def founder_for(token: str | None, tokens: Mapping[str, str]) -> str | None:
    """The founder a token belongs to, or None.

    Every configured token is compared in constant time so timing reveals no prefix.
    """
    found: str | None = None
    if token:
        presented = token.encode()
        for known, founder in tokens.items():
            if hmac.compare_digest(known.encode(), presented):
                found = founder
    return found


def api_session_id(token: str) -> str:
    """REVIEW-004 `session_id` of an API call: names the token without revealing it."""
    return "api-" + hashlib.sha256(token.encode()).hexdigest()[:16]

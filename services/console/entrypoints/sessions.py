"""Web sessions and CSRF tokens: a signed cookie (itsdangerous) naming the founder.

The cookie carries the founder's name and a random session id, signed and timestamped
with the console secret; it is refused when tampered with, older than the maximum age,
or naming someone who is no longer a founder. The CSRF token is an HMAC of the session
id under a key derived from the same secret, so it is bound to one session and needs
no server-side state.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE = "govmesh_console"
CSRF_FIELD = "csrf_token"
_SESSION_SALT = "govmesh.console.session"
_CSRF_CONTEXT = b"govmesh.console.csrf"


@dataclass(frozen=True)
class Session:
    """A logged-in founder; `session_id` is recorded with every decision (REVIEW-004)."""

    founder: str
    session_id: str


def new_session_id() -> str:
    return "web-" + secrets.token_urlsafe(16)


class SessionCodec:
    """Issues and reads session cookies and the CSRF tokens bound to them."""

    def __init__(self, secret: str, max_age_s: int) -> None:
        if not secret:
            raise ValueError("the session secret must not be empty")
        self._serializer = URLSafeTimedSerializer(secret, salt=_SESSION_SALT)
        self._csrf_key = hmac.new(secret.encode(), _CSRF_CONTEXT, hashlib.sha256).digest()
        self.max_age_s = max_age_s

    def issue(self, session: Session) -> str:
        """The cookie value for a session."""
        return self._serializer.dumps({"f": session.founder, "s": session.session_id})

    def read(self, cookie: str | None, founders: Collection[str]) -> Session | None:
        """The session a cookie proves, or None (absent, forged, expired, founder removed)."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_s)
        except BadData:
            return None
        if not isinstance(data, dict):
            return None
        founder, session_id = data.get("f"), data.get("s")
        if not isinstance(founder, str) or not isinstance(session_id, str):
            return None
        if founder not in founders:
            return None
        return Session(founder, session_id)

    def csrf_token(self, session: Session) -> str:
        """The CSRF token every form of this session carries."""
        return hmac.new(self._csrf_key, session.session_id.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, session: Session, presented: str | None) -> bool:
        """True only for this session's own token (constant-time comparison)."""
        if not presented:
            return False
        return hmac.compare_digest(self.csrf_token(session), presented)

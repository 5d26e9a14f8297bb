"""Founder tokens, signed session cookies and CSRF tokens bound to a session."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner

from govmesh.console.domain.auth import api_session_id, bearer_token, founder_for
from govmesh.console.entrypoints.sessions import Session, SessionCodec, new_session_id

pytestmark = pytest.mark.unit

SECRET = "s" * 40
TOKENS = {"tok-alice-123": "alice", "tok-bob-456": "bob"}


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer   abc  ", "abc"),
        (None, None),
        ("", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic abc", None),
        ("abc", None),
    ],
)
def test_auth_bearer_token_is_read_only_from_the_bearer_scheme(
    header: str | None, token: str | None
) -> None:
    assert bearer_token(header) == token


def test_auth_founder_for_known_tokens_only() -> None:
    assert founder_for("tok-alice-123", TOKENS) == "alice"
    assert founder_for("tok-bob-456", TOKENS) == "bob"
    assert founder_for("tok-alice-12", TOKENS) is None
    assert founder_for("", TOKENS) is None
    assert founder_for(None, TOKENS) is None
    assert founder_for("tok-alice-123", {}) is None


def test_REVIEW_004_api_session_id_names_the_token_without_revealing_it() -> None:
    sid = api_session_id("tok-alice-123")
    assert sid.startswith("api-")
    assert "tok-alice" not in sid
    assert sid == api_session_id("tok-alice-123")
    assert sid != api_session_id("tok-bob-456")


def test_session_cookie_round_trips_for_a_current_founder() -> None:
    codec = SessionCodec(SECRET, 3600)
    session = Session("alice", new_session_id())
    assert codec.read(codec.issue(session), {"alice", "bob"}) == session


def test_session_cookie_tampered_or_foreign_secret_is_refused() -> None:
    codec = SessionCodec(SECRET, 3600)
    cookie = codec.issue(Session("alice", "web-1"))
    forged = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    assert codec.read(forged, {"alice"}) is None
    assert SessionCodec("t" * 40, 3600).read(cookie, {"alice"}) is None
    assert codec.read("garbage", {"alice"}) is None
    assert codec.read(None, {"alice"}) is None


def test_session_of_a_founder_no_longer_configured_is_refused() -> None:
    codec = SessionCodec(SECRET, 3600)
    cookie = codec.issue(Session("alice", "web-1"))
    assert codec.read(cookie, {"bob"}) is None


def test_session_cookie_older_than_max_age_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    codec = SessionCodec(SECRET, 60)
    issued_at = int(time.time()) - 120
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued_at)
    cookie = codec.issue(Session("alice", "web-1"))
    monkeypatch.undo()
    assert codec.read(cookie, {"alice"}) is None
    assert codec.read(codec.issue(Session("alice", "web-1")), {"alice"}) is not None


def test_csrf_token_is_bound_to_its_session() -> None:
    codec = SessionCodec(SECRET, 3600)
    mine, other = Session("alice", "web-1"), Session("alice", "web-2")
    token = codec.csrf_token(mine)
    assert codec.check_csrf(mine, token)
    assert not codec.check_csrf(other, token)
    assert not codec.check_csrf(mine, None)
    assert not codec.check_csrf(mine, "")
    assert not codec.check_csrf(mine, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert not SessionCodec("t" * 40, 3600).check_csrf(mine, token)


def test_session_codec_refuses_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        SessionCodec("", 3600)


def test_new_session_ids_differ() -> None:
    assert new_session_id() != new_session_id()

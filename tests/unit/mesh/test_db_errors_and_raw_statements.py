"""Which database errors are retried, and statements compiled once for asyncpg itself."""

from __future__ import annotations

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError

from govmesh.mesh.db import RawStatement, is_transient

pytestmark = pytest.mark.unit


def _postgres_error(sqlstate: str) -> asyncpg.PostgresError:
    return asyncpg.PostgresError.new({"C": sqlstate, "M": "server said no"})


@pytest.mark.parametrize(
    "sqlstate",
    ["40001", "40P01", "57P01", "57P03", "08006", "08003"],
)
def test_asyncpg_serialization_and_connection_states_are_transient(sqlstate: str) -> None:
    assert is_transient(_postgres_error(sqlstate))


@pytest.mark.parametrize("sqlstate", ["23505", "42601", "GM409", "22P02"])
def test_asyncpg_errors_of_the_statement_itself_are_not_transient(sqlstate: str) -> None:
    assert not is_transient(_postgres_error(sqlstate))


def test_asyncpg_interface_errors_are_transient_like_sqlalchemys() -> None:
    assert is_transient(asyncpg.exceptions.ConnectionDoesNotExistError("connection closed"))
    assert is_transient(OperationalError("SELECT 1", {}, Exception("gone")))


def test_errors_through_sqlalchemy_are_judged_by_their_sqlstate() -> None:
    assert is_transient(DBAPIError("SELECT 1", {}, _postgres_error("40001")))
    assert not is_transient(DBAPIError("SELECT 1", {}, _postgres_error("23505")))


def test_network_errors_are_transient_and_bugs_are_not() -> None:
    assert is_transient(ConnectionResetError())
    assert is_transient(TimeoutError())
    assert not is_transient(ValueError("bad value"))


def test_raw_statement_numbers_named_parameters_for_asyncpg_once_each() -> None:
    statement = RawStatement.of(
        sa.text("SELECT :b AS b, CAST(:a AS uuid[]) AS a, :b || 'x' AS again LIMIT :limit")
    )
    assert statement.names == ("b", "a", "limit")
    assert statement.sql == "SELECT $1 AS b, CAST($2 AS uuid[]) AS a, $1 || 'x' AS again LIMIT $3"

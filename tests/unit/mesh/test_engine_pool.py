"""A service's pool keeps its connections: no overflow connection opened and closed per burst."""

from __future__ import annotations

import pytest
from sqlalchemy.pool import QueuePool

from govmesh.mesh.db import create_engine

pytestmark = pytest.mark.unit


def test_the_pool_keeps_up_to_pool_size_connections_and_opens_no_overflow() -> None:
    engine = create_engine("postgresql://govmesh@127.0.0.1:5432/govmesh", "ingest", pool_size=7)
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 7
    assert pool.overflow() == -7  # no connection checked out, none allowed beyond the size
    assert pool._max_overflow == 0


def test_the_default_pool_holds_ten_connections() -> None:
    pool = create_engine("postgresql://govmesh@127.0.0.1:5432/govmesh", "ingest").sync_engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 10

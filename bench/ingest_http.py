"""Accepted events/s over HTTP with a durable commit, against a bare FastAPI + asyncpg insert.

Prints events/s for:
  bare    a minimal FastAPI app whose one POST endpoint INSERTs the JSON body into a table
          through an asyncpg pool (one durable commit per request)
  ingest  the ingest service's POST /api/v1/governance/events (API key, validation,
          duplicate check, issue + outbox rows in one transaction; the outbox relay runs)
and the ratio ingest/bare (target >= 0.70).

Both apps run under an in-process uvicorn.Server on 127.0.0.1 (each in its own thread and
event loop, so the load generator does not share a loop with the server) against the same
embedded PostgreSQL; both are loaded the same way by N concurrent httpx workers posting a
fixed number of distinct valid events. Only 201 answers count as accepted.

Usage: python bench/ingest_http.py [--events N] [--workers W]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI, Request, Response

from govmesh.ingest.app import build as build_ingest
from govmesh.ingest.app import migrate as migrate_ingest
from govmesh.ingest.settings import IngestSettings
from govmesh.mesh.embedded import free_port, start_postgres, start_tansu, wait_for_port
from govmesh.mesh.signing import generate_keys
from govmesh.mesh.topics_admin import ensure_topics

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden" / "CrmEvent.json"
API_KEY = "bench-key"
INGEST_PATH = "/api/v1/governance/events"
BARE_PATH = "/events"
# The ingest engine's pool is 5 + 5 overflow; the bare pool gets the same ceiling.
BARE_POOL = 10


def _events(n: int) -> list[dict[str, Any]]:
    """Distinct valid CRM events (fresh ids, keys, references; source_timestamp = now)."""
    template = json.loads(GOLDEN.read_text())
    now = datetime.now(UTC).isoformat()
    out = []
    for _ in range(n):
        event = json.loads(json.dumps(template))
        event["envelope"]["event_id"] = str(uuid.uuid4())
        event["envelope"]["idempotency_key"] = f"bench-{uuid.uuid4()}"
        event["envelope"]["source_timestamp"] = now
        event["attribution"]["source_reference"] = f"TICKET-{uuid.uuid4().hex[:12]}"
        out.append(event)
    return out


class ServerThread:
    """One uvicorn.Server in its own thread and event loop, with setup/teardown around it."""

    def __init__(
        self,
        app: FastAPI,
        before: Callable[[], Awaitable[None]] | None = None,
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            # A stalled loop must not make the server drop pooled client connections.
            timeout_keep_alive=120,
        )
        self.server = uvicorn.Server(config)
        self._before = before
        self._after = after
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        async def main() -> None:
            if self._before is not None:
                await self._before()
            try:
                await self.server.serve()
            finally:
                if self._after is not None:
                    await self._after()

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported to the caller on stop()
            self._error = exc

    def start(self) -> str:
        self._thread.start()
        wait_for_port("127.0.0.1", self.port, timeout_s=60)
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=30)
        if self._error is not None:
            raise RuntimeError("server thread failed") from self._error


async def load(
    base_url: str,
    path: str,
    events: list[dict[str, Any]],
    workers: int,
    headers: dict[str, str],
    timeout_s: float,
) -> tuple[float, int, dict[int, int]]:
    """Post every event once with `workers` concurrent posters; (accepted/s, accepted, codes)."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for event in events:
        queue.put_nowait(event)
    codes: dict[int, int] = {}
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:

        async def worker() -> None:
            while True:
                try:
                    event = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    answer = await client.post(path, json=event, headers=headers)
                    code = answer.status_code
                except httpx.TransportError as exc:
                    code = 0  # counted, not accepted
                    if not codes.get(0):
                        print(f"  transport error: {exc!r}", flush=True)
                codes[code] = codes.get(code, 0) + 1

        # Warm the connection pool and code paths outside the measurement.
        await client.post(path, json=_events(1)[0], headers=headers)
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*[worker() for _ in range(workers)]), timeout_s)
        elapsed = time.monotonic() - started
    accepted = codes.get(201, 0)
    return accepted / elapsed, accepted, codes


def bare_app(database_url: str, schema: str) -> tuple[FastAPI, Callable[[], Awaitable[None]]]:
    """The baseline: one INSERT of the body per request (autocommit = one durable commit)."""
    state: dict[str, asyncpg.Pool] = {}

    async def setup() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            await conn.execute(
                f"CREATE TABLE {schema}.events (id bigserial PRIMARY KEY, body jsonb NOT NULL)"
            )
        finally:
            await conn.close()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        state["pool"] = await asyncpg.create_pool(database_url, min_size=2, max_size=BARE_POOL)
        try:
            yield
        finally:
            await state["pool"].close()

    app = FastAPI(lifespan=lifespan)
    insert = f"INSERT INTO {schema}.events (body) VALUES ($1::jsonb)"

    @app.post(BARE_PATH)
    async def post(request: Request) -> Response:
        body = await request.body()
        await state["pool"].execute(insert, body.decode())
        return Response(status_code=201)

    return app, setup


async def main(n: int, workers: int, timeout_s: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = start_tansu(work / "broker")
        pg = start_postgres(work / "pgdata")
        keys = work / "keys"
        generate_keys(keys)
        try:
            results: dict[str, float] = {}

            app, setup = bare_app(pg.url, f"bare_{uuid.uuid4().hex[:6]}")
            await setup()
            server = ServerThread(app)
            url = server.start()
            try:
                rate, ok, codes = await load(url, BARE_PATH, _events(n), workers, {}, timeout_s)
            finally:
                server.stop()
            results["bare"] = rate
            print(f"bare    {rate:10,.0f} events/s  ({ok}/{n} accepted, codes {codes})", flush=True)

            prefix = f"ih{uuid.uuid4().hex[:6]}."
            await ensure_topics(broker.bootstrap, prefix)
            settings = IngestSettings(
                kafka_bootstrap=broker.bootstrap,
                database_url=pg.url,
                keys_dir=keys,
                topic_prefix=prefix,
                api_keys={API_KEY: "*"},
                db_schema=f"ingest_{uuid.uuid4().hex[:6]}",
                # The bench measures the write path, not the per-key limiter.
                rate_limit_per_s=1e9,
                rate_limit_burst=1_000_000_000,
            )
            await asyncio.to_thread(migrate_ingest, settings)
            runtime, ingest = build_ingest(settings)
            server = ServerThread(ingest, before=runtime.start, after=runtime.stop)
            url = server.start()
            try:
                rate, ok, codes = await load(
                    url, INGEST_PATH, _events(n), workers, {"X-API-Key": API_KEY}, timeout_s
                )
            finally:
                server.stop()
            results["ingest"] = rate
            print(f"ingest  {rate:10,.0f} events/s  ({ok}/{n} accepted, codes {codes})", flush=True)
            print(f"ingest/bare {results['ingest'] / results['bare']:.2f}  (target >= 0.70)")
        finally:
            broker.stop()
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per load phase")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.workers, args.timeout))

"""Accepted events/s over HTTP with a durable commit, against a bare FastAPI + asyncpg insert.

Prints events/s for:
  bare    a minimal FastAPI app whose one POST endpoint INSERTs the JSON body into a table
          through an asyncpg pool (one durable commit per request)
  ingest  the ingest service (`python -m govmesh.ingest serve`, as `govmesh up` runs it):
          API key, validation, duplicate check, the issue + outbox rows durably committed;
          its outbox relay publishes to issues.accepted meanwhile
and the ratio ingest/bare (target >= 0.70). With `--floor`, a third server in each round:
  floor   the least work the ingest contract takes, written out in one function: API key,
          the SPEC §2 checks (the service's own `validate_event`), a signed envelope
          (canonical JSON, Ed25519), the issue and its outbox row written for a group of
          requests in one durable statement, then published to the broker and marked sent.
          No issue events, status hand-over, rate limit, duplicate decision, metrics or
          consumers: what a service with the same promises cannot go below on this machine
and its ratio floor/bare.

Each server is loaded unmeasured for a few seconds first (`--warmup`, default 6): the
ingest service's consumers join their groups in the seconds after it reports ready.
The two phases alternate for a few rounds (`--rounds`, default 5), each against a fresh
server process, and the bench prints each round's ratio and their median: this host's
speed drifts by tens of percent within minutes, so one pair of phases can mislead, while
the two phases of a round run close together.

Each server runs in its own process under uvicorn with the same configuration, against
the same embedded PostgreSQL, and is loaded the same way by N concurrent aiohttp workers
in this process (one connection each) posting a fixed number of distinct valid events.
Only 201 answers count as accepted. Beside each rate the bench prints the CPU time one
accepted event cost the server process and the load generator: the machine has two
cores, so the load generator competes with the server and the database for them, and
must cost far less than either server (an httpx client here cost more than both and
set the pace of both phases). The share of the machine's CPU time that was busy during
the phase shows whether a server left cores idle.

Usage: python bench/ingest_http.py [--events N] [--workers W] [--rounds R] [--warmup S]
                                   [--floor]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import httpx
import orjson
import psutil
import uvicorn
from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request, Response

from govmesh.mesh.embedded import free_port, start_postgres, start_tansu
from govmesh.mesh.runtime import run
from govmesh.mesh.signing import generate_keys
from govmesh.mesh.topics_admin import ensure_topics

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "golden" / "CrmEvent.json"
API_KEY = "bench-key"
INGEST_PATH = "/api/v1/governance/events"
BARE_PATH = "/events"
FLOOR_PATH = "/floor"
# The ingest engine keeps up to 10 connections; the bare pool gets the same ceiling.
BARE_POOL = 10
# Enough events for `--warmup` seconds of load at a rate neither server reaches here.
WARMUP_RATE = 5000


def _bodies(n: int) -> list[bytes]:
    """Request bodies of distinct valid CRM events (fresh ids, keys, references; now)."""
    template = json.loads(GOLDEN.read_text())
    now = datetime.now(UTC).isoformat()
    out = []
    for _ in range(n):
        event = json.loads(json.dumps(template))
        event["envelope"]["event_id"] = str(uuid.uuid4())
        event["envelope"]["idempotency_key"] = f"bench-{uuid.uuid4()}"
        event["envelope"]["source_timestamp"] = now
        event["attribution"]["source_reference"] = f"TICKET-{uuid.uuid4().hex[:12]}"
        out.append(json.dumps(event).encode())
    return out


class Server:
    """One server process (as deployed: its own interpreter), with its CPU time read around a phase."""

    def __init__(self, argv: list[str], env: dict[str, str], port: int) -> None:
        self.port = port
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
        self.ps = psutil.Process(self.proc.pid)

    async def ready(self, path: str) -> str:
        base = f"http://127.0.0.1:{self.port}"
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}")
                try:
                    if (await client.get(base + path)).status_code == 200:
                        return base
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("server not ready after 60 s")

    def cpu_s(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


async def load(
    base_url: str,
    path: str,
    bodies: list[bytes],
    workers: int,
    headers: dict[str, str],
    timeout_s: float,
    until: float | None = None,
) -> tuple[float, int, dict[int, int]]:
    """Post every body once with `workers` concurrent posters; (accepted/s, accepted, codes).

    The first `workers` bodies warm one connection each and are not counted. With
    `until` (a `time.monotonic()` deadline), the posters stop taking bodies then.
    """
    warm, queue = bodies[:workers], bodies[workers:][::-1]
    sent_headers = {**headers, "Content-Type": "application/json"}
    codes: dict[int, int] = {}
    # One session with one connection per worker. aiohttp (C HTTP parser) costs
    # ~0.2 ms of CPU a request here; httpx cost 1.2-1.7 ms, so that the load generator
    # filled a core of its own and set the pace of both servers.
    sessions = [
        aiohttp.ClientSession(base_url, connector=aiohttp.TCPConnector(limit=1))
        for _ in range(workers)
    ]

    async def post(session: aiohttp.ClientSession, body: bytes) -> int:
        async with session.post(path, data=body, headers=sent_headers) as answer:
            await answer.read()
            return answer.status

    async def worker(session: aiohttp.ClientSession) -> None:
        while queue and (until is None or time.monotonic() < until):
            try:
                code = await post(session, queue.pop())
            except aiohttp.ClientError as exc:
                code = 0  # counted, not accepted
                if not codes.get(0):
                    print(f"  transport error: {exc!r}", flush=True)
            codes[code] = codes.get(code, 0) + 1

    try:
        # Warm every connection and the code paths outside the measurement.
        await asyncio.gather(*[post(s, b) for s, b in zip(sessions, warm, strict=True)])
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*[worker(s) for s in sessions]), timeout_s)
        elapsed = time.monotonic() - started
    finally:
        for session in sessions:
            await session.close()
    accepted = codes.get(201, 0)
    return accepted / elapsed, accepted, codes


def bare_app(database_url: str, schema: str) -> FastAPI:
    """The baseline: one INSERT of the body per request (autocommit = one durable commit)."""
    state: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        state["pool"] = await asyncpg.create_pool(database_url, min_size=2, max_size=BARE_POOL)
        try:
            yield
        finally:
            await state["pool"].close()

    app = FastAPI(lifespan=lifespan)
    insert = f"INSERT INTO {schema}.events (body) VALUES ($1::jsonb)"

    @app.get("/readyz")
    async def ready() -> Response:
        return Response(status_code=200)

    @app.post(BARE_PATH)
    async def post(request: Request) -> Response:
        body = await request.body()
        await state["pool"].execute(insert, body.decode())
        return Response(status_code=201)

    return app


def serve_bare(port: int, database_url: str, schema: str) -> None:
    """The bare server process: uvicorn on uvloop with httptools, as the services run."""
    config = uvicorn.Config(
        bare_app(database_url, schema),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        http="httptools",
    )
    run(uvicorn.Server(config).serve())


async def create_bare_table(database_url: str, schema: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(
            f"CREATE TABLE {schema}.events (id bigserial PRIMARY KEY, body jsonb NOT NULL)"
        )
    finally:
        await conn.close()


async def phase(
    name: str, server: Server, ready_path: str, path: str, headers: dict[str, str], args: Any
) -> float:
    """Load one server; print events/s and the CPU each request cost the server and the client."""
    try:
        url = await server.ready(ready_path)
        # Load it unmeasured first: a service's consumers join their groups in the first
        # seconds after it reports ready, and that work would fall into the measurement.
        warm_until = time.monotonic() + args.warmup
        warm_bodies = _bodies(args.workers + int(args.warmup * WARMUP_RATE))
        await load(url, path, warm_bodies, args.workers, headers, args.timeout, warm_until)
        # Built before the CPU readings: the load generator's figure is the HTTP client's.
        bodies = _bodies(args.workers + args.events)
        server_before, client_before = server.cpu_s(), time.process_time()
        machine_before = psutil.cpu_times()
        rate, ok, codes = await load(url, path, bodies, args.workers, headers, args.timeout)
        server_ms = (server.cpu_s() - server_before) * 1000 / max(ok, 1)
        client_ms = (time.process_time() - client_before) * 1000 / max(ok, 1)
        machine = psutil.cpu_times()
        idle = machine.idle - machine_before.idle
        busy = 1 - idle / max(sum(machine) - sum(machine_before), 1e-9)
    finally:
        server.stop()
    print(
        f"{name:7s} {rate:10,.0f} events/s  ({ok}/{args.events} accepted, codes {codes}); "
        f"CPU per accepted event: server {server_ms:.2f} ms, load generator {client_ms:.2f} ms; "
        f"machine {busy:.0%} busy",
        flush=True,
    )
    return rate


FLOOR_TABLES = """
CREATE TABLE {schema}.issues (
    issue_id uuid PRIMARY KEY, idempotency_key text UNIQUE NOT NULL, event jsonb NOT NULL
);
CREATE TABLE {schema}.outbox (
    id bigserial PRIMARY KEY, issue_id uuid NOT NULL, value bytea NOT NULL,
    published_at timestamptz
)
"""


async def create_floor_tables(database_url: str, schema: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(FLOOR_TABLES.format(schema=schema))
    finally:
        await conn.close()


def floor_app(database_url: str, schema: str, bootstrap: str, topic: str) -> FastAPI:
    """The floor: what accepting an event takes at the least (see the module docstring)."""
    from govmesh.ingest.domain.errors import Invalid
    from govmesh.ingest.domain.validation import validate_event
    from govmesh.ingest.settings import IngestSettings
    from govmesh.schemas.canonical import canonical_bytes

    settings = IngestSettings()
    policy = settings.policy()
    key = Ed25519PrivateKey.generate()
    queue: asyncio.Queue[tuple[uuid.UUID, str, bytes, bytes, asyncio.Future[bool]]]
    queue = asyncio.Queue()
    # The issues not yet claimed are stored with their outbox rows, in one statement.
    write = f"""
        WITH stored AS (
            INSERT INTO {schema}.issues (issue_id, idempotency_key, event)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[])
            ON CONFLICT DO NOTHING RETURNING issue_id)
        INSERT INTO {schema}.outbox (issue_id, value)
        SELECT row.issue_id, row.value FROM unnest($1::uuid[], $4::bytea[]) AS row(issue_id, value)
        JOIN stored USING (issue_id) RETURNING id, issue_id"""
    mark = f"UPDATE {schema}.outbox SET published_at = now() WHERE id = ANY($1::bigint[])"
    sending: asyncio.Queue[list[tuple[int, uuid.UUID, bytes]]] = asyncio.Queue()
    state: dict[str, Any] = {}

    async def writer() -> None:
        """Each group in one statement; its answers go out at once, its publish meanwhile."""
        pool: asyncpg.Pool = state["pool"]
        while True:
            group = [await queue.get()]
            while not queue.empty():
                group.append(queue.get_nowait())
            try:
                rows = await pool.fetch(
                    write,
                    [g[0] for g in group],
                    [g[1] for g in group],
                    [g[2].decode() for g in group],
                    [g[3] for g in group],
                )
            except Exception as exc:
                for *_, done in group:
                    done.set_exception(exc)
                continue
            stored = {row["issue_id"]: row["id"] for row in rows}
            for issue_id, *_, done in group:
                done.set_result(issue_id in stored)
            sending.put_nowait([(stored[g[0]], g[0], g[3]) for g in group if g[0] in stored])

    async def publisher() -> None:
        """The relay's part: publish what was stored, in order, then mark it sent."""
        pool: asyncpg.Pool = state["pool"]
        producer: AIOKafkaProducer = state["producer"]
        while True:
            batch = await sending.get()
            while not sending.empty():
                batch.extend(sending.get_nowait())
            sent = [await producer.send(topic, value, key=key.bytes) for _, key, value in batch]
            await asyncio.gather(*sent)
            await pool.execute(mark, [row_id for row_id, *_ in batch])

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> Any:
        state["pool"] = await asyncpg.create_pool(database_url, min_size=2, max_size=BARE_POOL)
        state["producer"] = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
        await state["producer"].start()
        tasks = [asyncio.create_task(writer()), asyncio.create_task(publisher())]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await state["producer"].stop()
            await state["pool"].close()

    app = FastAPI(lifespan=lifespan)

    @app.get("/readyz")
    async def ready() -> Response:
        return Response(status_code=200)

    @app.post(FLOOR_PATH)
    async def post(request: Request) -> Response:
        if request.headers.get("x-api-key") not in settings.api_keys:
            return Response(status_code=401)
        body = await request.body()
        now = datetime.now(UTC)
        event = validate_event(json.loads(body), now, policy)
        if isinstance(event, Invalid):
            return Response(status_code=422)
        event_json = event.model_dump(mode="json")
        issue_id = uuid.uuid4()
        envelope = {
            "event_id": str(uuid.uuid5(issue_id, "IssueAccepted")),
            "type": "IssueAccepted",
            "schema_version": "1.0.0",
            "producer": "ingest",
            "produced_at": now.isoformat(),
            "correlation_id": str(issue_id),
            "input_digest": hashlib.sha256(canonical_bytes(event_json)).hexdigest(),
            "data": {
                "issue_id": str(issue_id),
                "received_at": now.isoformat(),
                "event": event_json,
            },
        }
        signed = canonical_bytes(envelope)
        envelope["signature"] = base64.b64encode(key.sign(signed)).decode()
        stored = orjson.dumps(event_json)
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        queue.put_nowait(
            (issue_id, event.envelope.idempotency_key, stored, orjson.dumps(envelope), done)
        )
        if not await done:
            return Response(status_code=200)  # the key was taken: a duplicate
        return Response(
            orjson.dumps({"issue_id": str(issue_id), "status": "RECEIVED"}),
            status_code=201,
            media_type="application/json",
        )

    return app


def serve_floor(port: int, database_url: str, schema: str, bootstrap: str, topic: str) -> None:
    config = uvicorn.Config(
        floor_app(database_url, schema, bootstrap, topic),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        http="httptools",
    )
    run(uvicorn.Server(config).serve())


def service_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVMESH_")}
    env.update({f"GOVMESH_{k.upper()}": v for k, v in values.items()})
    return env


async def main(args: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = start_tansu(work / "broker")
        pg = start_postgres(work / "pgdata")
        keys = work / "keys"
        generate_keys(keys)
        try:
            bare_schema = f"bare_{uuid.uuid4().hex[:6]}"
            await create_bare_table(pg.url, bare_schema)
            floor_schema = f"floor_{uuid.uuid4().hex[:6]}"
            if args.floor:
                await create_floor_tables(pg.url, floor_schema)
            prefix = f"ih{uuid.uuid4().hex[:6]}."
            await ensure_topics(broker.bootstrap, prefix)
            env = service_env(
                kafka_bootstrap=broker.bootstrap,
                database_url=pg.url,
                keys_dir=str(keys),
                topic_prefix=prefix,
                api_keys=json.dumps({API_KEY: "*"}),
                db_schema=f"ingest_{uuid.uuid4().hex[:6]}",
                # The bench measures the write path, not the per-key limiter.
                rate_limit_per_s="1e9",
                rate_limit_burst="1000000000",
                log_level="WARNING",
            )
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "govmesh.ingest", "migrate"],
                env=env,
                check=True,
            )
            auth = {"X-API-Key": API_KEY}
            here = [sys.executable, __file__]
            # name -> (command line less the port's place, environment, path, headers)
            servers: dict[str, tuple[Callable[[int], list[str]], dict[str, str], str, dict]] = {
                "bare": (
                    lambda port: [*here, "--serve-bare", str(port), pg.url, bare_schema],
                    service_env(),
                    BARE_PATH,
                    {},
                ),
                "ingest": (
                    lambda port: [sys.executable, "-m", "govmesh.ingest", "serve"],
                    env,
                    INGEST_PATH,
                    auth,
                ),
            }

            def floor_command(port: int) -> list[str]:
                topic = f"{prefix}issues.accepted"
                return [
                    *here,
                    "--serve-floor",
                    str(port),
                    pg.url,
                    floor_schema,
                    broker.bootstrap,
                    topic,
                ]

            if args.floor:
                servers["floor"] = (floor_command, env, FLOOR_PATH, auth)
            ratios: dict[str, list[float]] = {name: [] for name in servers if name != "bare"}
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}/{args.rounds}", flush=True)
                rates = {}
                for name, (command, server_env, path, headers) in servers.items():
                    port = free_port()
                    server = Server(
                        command(port), {**server_env, "GOVMESH_HTTP_PORT": str(port)}, port
                    )
                    rates[name] = await phase(name, server, "/readyz", path, headers, args)
                    if name != "bare":
                        ratios[name].append(rates[name] / rates["bare"])
                        print(f"{name}/bare {ratios[name][-1]:.2f}", flush=True)
            for name, per_round in ratios.items():
                print(
                    f"{name}/bare per round: {' '.join(f'{r:.2f}' for r in per_round)}; "
                    f"median {statistics.median(per_round):.2f}"
                    + ("  (target >= 0.70)" if name == "ingest" else "")
                )
        finally:
            broker.stop()
            pg.stop()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        sys.exit(0)
    if len(sys.argv) == 7 and sys.argv[1] == "--serve-floor":
        serve_floor(int(sys.argv[2]), *sys.argv[3:7])
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per load phase")
    parser.add_argument(
        "--rounds", type=int, default=5, help="bare then ingest, this many times (default 5)"
    )
    parser.add_argument(
        "--warmup", type=float, default=6.0, help="seconds of unmeasured load first (default 6)"
    )
    parser.add_argument(
        "--floor", action="store_true", help="also load the floor server in each round"
    )
    asyncio.run(main(parser.parse_args()))

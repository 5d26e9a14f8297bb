"""The FastAPI base every service serves: /healthz, /readyz, /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from govmesh.mesh.errors import GovmeshError

ReadinessCheck = Callable[[], Awaitable[None]]


def broker_check(bootstrap: str) -> ReadinessCheck:
    host, _, port = bootstrap.split(",")[0].rpartition(":")

    async def check() -> None:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2.0)
        writer.close()
        await writer.wait_closed()

    return check


def database_check(engine: AsyncEngine) -> ReadinessCheck:
    async def check() -> None:
        async with engine.connect() as conn:
            await asyncio.wait_for(conn.execute(sa.text("SELECT 1")), 2.0)

    return check


def base_app(
    title: str,
    checks: dict[str, ReadinessCheck],
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[Any]] | None = None,
) -> FastAPI:
    app = FastAPI(title=title, lifespan=lifespan)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except (OSError, TimeoutError, GovmeshError, sa.exc.SQLAlchemyError) as exc:
                results[name] = f"unavailable: {type(exc).__name__}"
        ready = all(v == "ok" for v in results.values())
        return JSONResponse({"ready": ready, "checks": results}, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(GovmeshError)
    async def govmesh_error(_: Any, exc: GovmeshError) -> JSONResponse:
        status = 503 if exc.retryable else 500
        return JSONResponse(
            {"error_code": "INTERNAL_ERROR", "rule": type(exc).__name__, "message": str(exc)},
            status_code=status,
        )

    return app

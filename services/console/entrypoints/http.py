"""The console app on the shared base (/healthz, /readyz, /metrics): API, pages, static files."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from govmesh.console.entrypoints import api, web
from govmesh.console.entrypoints.deps import ConsoleContext
from govmesh.mesh.http import ReadinessCheck, base_app

log = structlog.get_logger(__name__)


def create_app(context: ConsoleContext, checks: dict[str, ReadinessCheck]) -> FastAPI:
    """The console's FastAPI app; `context` is built by `govmesh.console.app.build`."""
    app = base_app("govmesh console", checks)
    app.state.console = context
    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        log.error("console.internal_error", error=repr(exc))
        return JSONResponse(
            {"error_code": "INTERNAL_ERROR", "field": None, "message": "internal error"},
            status_code=500,
        )

    return app

"""Browser-test fixtures: the console served by uvicorn on a free port, and one Chromium.

The console runs in the test's event loop on the session's real broker (its own topic
prefix, no database). Chromium is the system's (/usr/bin/chromium); none is downloaded.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from govmesh.console.adapters.views import ConsoleViews
from govmesh.console.app import build
from govmesh.console.settings import ConsoleSettings
from govmesh.mesh.embedded import free_port
from govmesh.mesh.topics_admin import ensure_topics
from tests.infra import Broker, unique
from tests.integration.helpers import wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
FOUNDER_TOKEN = "browser-founder-token"


@dataclass
class ServedConsole:
    settings: ConsoleSettings
    url: str
    views: ConsoleViews


@pytest.fixture(scope="module")
async def served_console(kafka: Broker, keys_dir: Path) -> AsyncIterator[ServedConsole]:
    """One console per module, on its own topics, answering HTTP on a free port."""
    prefix = unique("browser") + "."
    await ensure_topics(kafka.bootstrap, prefix)
    settings = ConsoleSettings(
        kafka_bootstrap=kafka.bootstrap,
        keys_dir=keys_dir,
        topic_prefix=prefix,
        dev_mode=True,
        founder_tokens={FOUNDER_TOKEN: "founder"},
    )
    runtime, app = build(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    await runtime.start()
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, timeout_s=20)
        views: ConsoleViews = app.state.console.console.views
        yield ServedConsole(settings, f"http://127.0.0.1:{port}", views)
    finally:
        server.should_exit = True
        await task
        await runtime.stop()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context()
    context.set_default_timeout(10_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()

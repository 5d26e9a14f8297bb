"""Incidents and audit reviews in the browser, against the real contracts service.

Real parts: the contracts service (its database, read API on a port, consumers) opens
incidents and escalates audits; the console, on the same topics, reads them from that
read API and publishes the founder's acknowledgement or resolution as a decision,
which contracts judges and records. Chromium is the system's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import Page, expect

from govmesh.console.app import build
from govmesh.console.settings import ConsoleSettings
from govmesh.mesh.embedded import free_port
from govmesh.schemas import CheckOutcome, HealthStatus, JobStatus, Principal, StepStatus
from tests.browser.conftest import FOUNDER_TOKEN, ServedConsole
from tests.integration.helpers import wait_until
from tests.integration.test_contracts_outcome import (
    Clock,
    Service,
    audit_verdict,
    finished,
    running_service,
    steps_of,
)
from tests.unit.contracts.factories import T0

pytestmark = pytest.mark.browser


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[str]:
    """`app` over HTTP on a free port, in this event loop."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, timeout_s=20)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def log_in(page: Page, url: str) -> None:
    await page.goto(f"{url}/login")
    await page.fill("#token", FOUNDER_TOKEN)
    await page.click("button[type=submit]")


@asynccontextmanager
async def console_for(mesh: Any, contracts: Service, contract_id: Any) -> AsyncIterator[str]:
    """A console on the contracts service's topics and read API, once it shows the contract."""
    async with serve(contracts.app) as contracts_url:
        base = mesh(Principal.CONSOLE).model_dump()
        base.update(contracts_url=contracts_url, founder_tokens={FOUNDER_TOKEN: "founder"})
        runtime, app = build(ConsoleSettings.model_validate(base))
        await runtime.start()
        try:
            views = app.state.console.console.views
            await wait_until(lambda: views.contract(contract_id) is not None, timeout_s=30)
            async with serve(app) as console_url:
                yield console_url
        finally:
            await runtime.stop()


async def test_AUDIT004_founder_resolves_an_inconclusive_audit_with_context_in_the_browser(
    mesh: Any, keys_dir: Path, page: Page
) -> None:
    async with running_service(mesh, keys_dir, Clock(T0)) as contracts:
        unsure = await contracts.seed_active("LOGS_LIST")
        done = steps_of(unsure, StepStatus.COMPLETED, StepStatus.COMPLETED)
        await contracts.job_event(finished(unsure, JobStatus.COMPLETED, done))
        await contracts.audit(unsure.job_id, jobs__0__status="COMPLETED")
        verdict = audit_verdict(unsure, CheckOutcome.INCONCLUSIVE, "health unavailable")
        await contracts.verdict(verdict)
        await contracts.audit(unsure.job_id, state="ESCALATED")
        async with console_for(mesh, contracts, unsure.contract_id) as console_url:
            await log_in(page, console_url)
            await page.goto(f"{console_url}/contracts/{unsure.contract_id}")
            await expect(page.locator("#audit-review")).to_contain_text("health unavailable")
            # A resolution rests on context: without it the console refuses, naming it.
            await page.click("#audit-form button")
            await expect(page.locator("#refusal")).to_contain_text("context")
            await page.fill("#audit-form textarea", "health API down all night; redo it")
            await page.click("#audit-form button")
            await expect(page.locator("tr.submission.current .state")).to_have_text("submitted")
            record = await contracts.audit(unsure.job_id, state="RESOLVED")
            assert record["audit_id"] == str(verdict.audit_id)
            assert record["review"]["context"] == "health API down all night; redo it"
            assert (await contracts.contract(unsure.contract_id)).status.value == "FAILED"


async def test_founder_acknowledges_a_failed_jobs_incident_in_the_browser(
    mesh: Any, keys_dir: Path, page: Page
) -> None:
    async with running_service(mesh, keys_dir, Clock(T0)) as contracts:
        await contracts.health("ALERTS", HealthStatus.HEALTHY)
        failing = await contracts.seed_active("ALERTS")
        await contracts.job_event(
            finished(failing, JobStatus.FAILED, [], error="refused by the executor (test)")
        )
        (opened,) = await contracts.incidents(failing.contract_id)
        async with console_for(mesh, contracts, failing.contract_id) as console_url:
            await log_in(page, console_url)
            await page.click("nav a[href='/incidents']")
            row = page.locator(f"#incident-{opened['incident_id']}")
            await expect(row).to_have_class("open")
            await expect(row).to_contain_text("JOB_FAILED")
            await expect(row).to_contain_text("JOB-003")
            await row.locator("input[name=reason]").fill("rolled back by hand")
            await row.locator("button").click()
            await expect(page.locator("#submitted")).to_be_visible()

            async def acknowledged() -> bool:
                (incident,) = await contracts.incidents(failing.contract_id)
                return incident["acknowledged_by"] == "founder"

            deadline = asyncio.get_running_loop().time() + 30
            while not await acknowledged():
                assert asyncio.get_running_loop().time() < deadline, "not acknowledged"
                await asyncio.sleep(0.1)
            await page.goto(f"{console_url}/incidents")
            await expect(row).to_have_class("acknowledged")
            await expect(row).to_contain_text("by founder")
            await expect(row).to_contain_text("rolled back by hand")
            await expect(row.locator("form")).to_have_count(0)
            # The contract's version did not move: its page learns from contracts' answer
            # (DECISION_RECORDED) that the acknowledgement was recorded, and stops waiting.
            await page.goto(f"{console_url}/contracts/{failing.contract_id}")
            ack = page.locator("tr.submission", has_text="ACKNOWLEDGE_INCIDENT")
            await expect(ack.locator(".state")).to_have_text("recorded", timeout=30_000)
            await expect(page.locator("meta[http-equiv=refresh]")).to_have_count(0)


async def test_incidents_page_says_when_the_contracts_read_api_is_not_configured(
    served_console: ServedConsole, page: Page
) -> None:
    await log_in(page, served_console.url)
    await page.goto(f"{served_console.url}/incidents")
    await expect(page.locator("#unavailable")).to_contain_text("GOVMESH_CONTRACTS_URL")

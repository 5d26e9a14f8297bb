"""Founder review in a real browser (SPEC §13: "the founder review actions in a real browser").

A contract is published on `contracts.lifecycle` as the contracts principal; a founder
logs in, approves it through the form (the FounderDecision lands on the topic, signed
by the console) and sees the new status once contracts publishes it; a rejection with
too short a reason is refused on the page with REVIEW-002. The capabilities page shows
a capability's effective state from `registry.state` and `health.signals` (PART2-005).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from govmesh.mesh.codec import make_envelope
from govmesh.mesh.signing import Signer, TrustStore
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    Envelope,
    FounderDecision,
    HealthStatus,
    Lifecycle,
    Principal,
)
from tests.browser.conftest import FOUNDER_TOKEN, ServedConsole
from tests.integration.helpers import drain, produce_raw, wait_until
from tests.unit.console.factories import contract, health_signal, lifecycle, registry_record

pytestmark = pytest.mark.browser


async def publish(
    console: ServedConsole,
    keys_dir: Path,
    c: ContractSnapshot,
    from_status: ContractStatus = ContractStatus.VALIDATED,
) -> None:
    signer = Signer.load(keys_dir, Principal.CONTRACTS)
    await produce_raw(
        console.settings.kafka_bootstrap,
        console.settings.kafka_topic("contracts.lifecycle"),
        [
            (
                str(c.contract_id).encode(),
                make_envelope(lifecycle(c, from_status), signer).to_bytes(),
            )
        ],
    )
    await wait_until(
        lambda: (
            (seen := console.views.contract(c.contract_id)) is not None
            and seen.version == c.version
        )
    )


async def log_in(page: Page, console: ServedConsole) -> None:
    await page.goto(f"{console.url}/login")
    await page.fill("#token", FOUNDER_TOKEN)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(f"{console.url}/contracts")


async def decisions_for(console: ServedConsole, c: ContractSnapshot, *, wait: bool) -> list[Any]:
    records = await drain(
        console.settings.kafka_bootstrap,
        console.settings.kafka_topic("founder.decisions"),
        until=(lambda rs: any(r.key == str(c.contract_id).encode() for r in rs))
        if wait
        else (lambda rs: False),
        timeout_s=15 if wait else 1.5,
    )
    return [r for r in records if r.key == str(c.contract_id).encode()]


async def test_REVIEW_001_founder_approves_an_eligible_contract_in_the_browser(
    served_console: ServedConsole, page: Page, keys_dir: Path
) -> None:
    eligible = contract(
        at=datetime.now(UTC) - timedelta(minutes=5), title="Enable log search (browser)"
    )
    await publish(served_console, keys_dir, eligible)
    await log_in(page, served_console)

    await page.goto(f"{served_console.url}/contracts?status=ELIGIBLE")
    await page.click(f"tr[data-contract-id='{eligible.contract_id}'] a")
    await expect(page.locator("#contract-status")).to_have_text("ELIGIBLE")
    await expect(page.locator("#eligibility")).to_contain_text("All rules passed")
    await page.click("#approve-form button")
    await expect(page.locator("tr.submission.current .state")).to_have_text("submitted")

    [record] = await decisions_for(served_console, eligible, wait=True)
    envelope = Envelope.model_validate_json(record.value)
    TrustStore.load(keys_dir).verify(envelope, record.value)
    assert envelope.producer is Principal.CONSOLE
    decision = FounderDecision.model_validate(envelope.data)
    assert decision.action.value == "APPROVE"
    assert decision.contract_id == eligible.contract_id
    assert decision.founder == "founder"
    assert decision.session_id.startswith("web-")
    assert envelope.event_id == decision.decision_id
    await expect(page.locator("tr.submission.current")).to_have_attribute(
        "data-decision-id", str(decision.decision_id)
    )

    # Contracts applies it; the page (refreshing itself while a decision is pending) shows it.
    approved = eligible.model_copy(
        update={
            "version": eligible.version + 1,
            "status": ContractStatus.APPROVED,
            "approved_by": ["founder"],
            "approved_at": datetime.now(UTC),
        }
    )
    await publish(served_console, keys_dir, approved, ContractStatus.ELIGIBLE)
    await expect(page.locator("#contract-status")).to_have_text("APPROVED", timeout=10_000)
    await expect(page.locator("tr.submission.current .state")).to_have_text("reflected")


async def test_REVIEW_002_rejecting_with_too_short_a_reason_shows_the_rule(
    served_console: ServedConsole, page: Page, keys_dir: Path
) -> None:
    eligible = contract(at=datetime.now(UTC) - timedelta(minutes=5), title="Raise rate limit")
    await publish(served_console, keys_dir, eligible)
    await log_in(page, served_console)

    await page.goto(f"{served_console.url}/contracts/{eligible.contract_id}")
    await page.fill("#reject-form textarea[name=reason]", "too short")
    await page.click("#reject-form button")
    await expect(page.locator("#refusal")).to_contain_text("REVIEW-002")
    await expect(page.locator("#refusal")).to_contain_text("longer than 10 characters")
    await expect(page.locator("#contract-status")).to_have_text("ELIGIBLE")
    assert await decisions_for(served_console, eligible, wait=False) == []


async def test_PART2_005_capabilities_page_shows_health_over_lifecycle(
    served_console: ServedConsole, page: Page, keys_dir: Path
) -> None:
    settings = served_console.settings
    record = registry_record("BROWSER_CAP", lifecycle=Lifecycle.PREVIEW, qualifier="beta")
    signal = health_signal(
        "BROWSER_CAP", HealthStatus.UNHEALTHY, source="alert:Down", observed_at=datetime.now(UTC)
    )
    for topic, principal, message in (
        ("registry.state", Principal.EXECUTOR, record),
        ("health.signals", Principal.HEALTH, signal),
    ):
        envelope = make_envelope(message, Signer.load(keys_dir, principal))
        await produce_raw(
            settings.kafka_bootstrap,
            settings.kafka_topic(topic),
            [(b"BROWSER_CAP", envelope.to_bytes())],
        )
    views = served_console.views
    await wait_until(lambda: "BROWSER_CAP" in views.registry and "BROWSER_CAP" in views.health)
    await log_in(page, served_console)

    await page.click("nav a[href='/capabilities']")
    row = page.locator("tr[data-capability='BROWSER_CAP']")
    await expect(row.locator(".effective")).to_have_text("UNHEALTHY")
    await expect(row.locator(".decided-by")).to_have_text("decided by health")
    await expect(row.locator(".part-health .source")).to_have_text("alert:Down")
    await expect(row.locator(".part-lifecycle")).to_contain_text("PREVIEW")

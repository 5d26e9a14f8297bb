"""The console's API and pages in process (ASGI) over in-memory views and a fake publisher.

The same routes on the real broker are in tests/integration/test_console_*.py and
tests/browser/; here every refusal path is cheap to show.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID, uuid4

import httpx
import pytest

from govmesh.console.adapters.views import ConsoleViews
from govmesh.console.domain.ledger import DecisionLedger
from govmesh.console.entrypoints.deps import ConsoleContext
from govmesh.console.entrypoints.http import create_app
from govmesh.console.entrypoints.sessions import SessionCodec
from govmesh.console.service_layer.actions import Console
from govmesh.mesh.errors import RetryableError
from govmesh.schemas import (
    ContractSnapshot,
    ContractStatus,
    FounderAction,
    FounderDecision,
    GovernanceSignal,
    HealthStatus,
    Lifecycle,
    Principal,
    SignalType,
)
from govmesh.schemas.contracts import AuditState
from tests.unit.console.factories import (
    T0,
    contract,
    delivery,
    health_signal,
    lifecycle,
    registry_record,
)

pytestmark = pytest.mark.unit

NOW = T0 + timedelta(hours=1)
TOKENS = {"tok-founder": "founder", "tok-founder2": "founder2"}
AUTH = {"Authorization": "Bearer tok-founder"}
AUTH2 = {"Authorization": "Bearer tok-founder2"}


@dataclass
class FakePublisher:
    decisions: list[tuple[FounderDecision, UUID | None]] = field(default_factory=list)
    signals: list[GovernanceSignal] = field(default_factory=list)
    failing: bool = False

    async def decision(self, decision: FounderDecision, correlation_id: UUID | None) -> None:
        if self.failing:
            raise RetryableError("broker down")
        self.decisions.append((decision, correlation_id))

    async def signal(self, signal: GovernanceSignal) -> UUID:
        if self.failing:
            raise RetryableError("broker down")
        self.signals.append(signal)
        return uuid4()


@dataclass
class Harness:
    client: httpx.AsyncClient
    publisher: FakePublisher
    views: ConsoleViews
    ready: list[bool]
    eligible: ContractSnapshot

    async def add(self, snapshot: ContractSnapshot) -> ContractSnapshot:
        await self.views.apply([delivery(lifecycle(snapshot))])
        return snapshot


@pytest.fixture
async def h() -> AsyncIterator[Harness]:
    views = ConsoleViews()
    publisher = FakePublisher()
    ready = [True]
    console = Console(views, DecisionLedger(), publisher, lambda: NOW, ready=lambda: ready[0])
    context = ConsoleContext(
        console=console,
        founders=TOKENS,
        sessions=SessionCodec("k" * 40, 3600),
        contracts_url="http://contracts.test",
        secure_cookies=False,
    )
    app = create_app(context, checks={})
    eligible = contract()
    await views.apply([delivery(lifecycle(eligible))])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://console"
    ) as client:
        yield Harness(client, publisher, views, ready, eligible)


def url(c: ContractSnapshot, verb: str) -> str:
    return f"/api/v1/contracts/{c.contract_id}/{verb}"


# --- JSON API -------------------------------------------------------------------------


async def test_REVIEW_004_api_approve_publishes_one_decision_with_actor_time_and_session(
    h: Harness,
) -> None:
    start, end = NOW + timedelta(hours=1), NOW + timedelta(hours=5)
    r = await h.client.post(
        url(h.eligible, "approve"),
        json={
            "activation_window_start": start.isoformat(),
            "activation_window_end": end.isoformat(),
        },
        headers=AUTH,
    )
    assert r.status_code == 202, r.text
    [(decision, correlation)] = h.publisher.decisions
    assert r.json() == {"event_id": str(decision.decision_id)}
    assert decision.action == FounderAction.APPROVE
    assert decision.contract_id == h.eligible.contract_id
    assert decision.founder == "founder"
    assert decision.session_id.startswith("api-")
    assert decision.decided_at == NOW
    assert (decision.activation_window_start, decision.activation_window_end) == (start, end)
    assert correlation == h.eligible.issue_id


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic tok-founder"}],
)
async def test_api_without_a_founder_token_is_401(h: Harness, headers: dict[str, str]) -> None:
    for path in (
        url(h.eligible, "approve"),
        f"/api/v1/audits/{uuid4()}/resolve",
        f"/api/v1/jobs/{uuid4()}/cancel",
        f"/api/v1/incidents/{uuid4()}/acknowledge",
        "/api/v1/capabilities/LOGS_LIST/freeze",
    ):
        r = await h.client.post(path, json={}, headers=headers)
        assert r.status_code == 401, path
        assert r.json()["error_code"] == "UNAUTHORIZED"
        assert r.json()["field"] == "Authorization"
        assert r.headers["www-authenticate"] == "Bearer"
    assert h.publisher.decisions == [] and h.publisher.signals == []


async def test_REVIEW_001_api_refuses_a_contract_not_eligible_with_409(h: Harness) -> None:
    approved = await h.add(contract(ContractStatus.APPROVED, approved_by=["founder2"]))
    r = await h.client.post(url(approved, "approve"), headers=AUTH)
    assert r.status_code == 409
    assert r.json()["rule"] == "REVIEW-001"
    assert r.json()["error_code"] == "RULE_VIOLATION"
    assert h.publisher.decisions == []


async def test_REVIEW_002_api_refuses_a_short_rejection_reason_with_422(h: Harness) -> None:
    r = await h.client.post(url(h.eligible, "reject"), json={"reason": "no thanks"}, headers=AUTH)
    assert (r.status_code, r.json()["rule"]) == (422, "REVIEW-002")
    ok = await h.client.post(
        url(h.eligible, "reject"), json={"reason": "Not on this quarter's roadmap"}, headers=AUTH
    )
    assert ok.status_code == 202
    [(decision, _)] = h.publisher.decisions
    assert (decision.action, decision.reason) == (
        FounderAction.REJECT,
        "Not on this quarter's roadmap",
    )


async def test_REVIEW_DUPLICATE_FOUNDER_api_refuses_a_second_approval_by_the_same_founder(
    h: Harness,
) -> None:
    assert (await h.client.post(url(h.eligible, "approve"), headers=AUTH)).status_code == 202
    again = await h.client.post(url(h.eligible, "approve"), headers=AUTH)
    assert (again.status_code, again.json()["rule"]) == (409, "REVIEW-DUPLICATE-FOUNDER")
    other = await h.client.post(url(h.eligible, "approve"), headers=AUTH2)
    assert other.status_code == 202
    assert [d.founder for d, _ in h.publisher.decisions] == ["founder", "founder2"]


async def test_api_unknown_contract_is_404_and_bad_ids_and_fields_are_422(h: Harness) -> None:
    r = await h.client.post(f"/api/v1/contracts/{uuid4()}/approve", headers=AUTH)
    assert (r.status_code, r.json()["field"]) == (404, "contract_id")
    bad_id = await h.client.post("/api/v1/contracts/not-a-uuid/approve", headers=AUTH)
    assert (bad_id.status_code, bad_id.json()["field"]) == (422, "contract_id")
    naive = await h.client.post(
        url(h.eligible, "approve"),
        json={"activation_window_start": "2025-06-02T12:00:00"},
        headers=AUTH,
    )
    assert (naive.status_code, naive.json()["field"]) == (422, "activation_window_start")
    not_json = await h.client.post(url(h.eligible, "approve"), content=b"{", headers=AUTH)
    assert (not_json.status_code, not_json.json()["field"]) == (422, "body")
    extra = await h.client.post(url(h.eligible, "reject"), json={"why": "x"}, headers=AUTH)
    assert (extra.status_code, extra.json()["field"]) == (422, "why")
    assert h.publisher.decisions == []


async def test_REVIEW_003_api_refuses_a_window_that_ends_before_it_starts(h: Harness) -> None:
    r = await h.client.post(
        url(h.eligible, "approve"),
        json={
            "activation_window_start": (NOW + timedelta(hours=3)).isoformat(),
            "activation_window_end": (NOW + timedelta(hours=2)).isoformat(),
        },
        headers=AUTH,
    )
    assert (r.status_code, r.json()["rule"]) == (422, "REVIEW-003")


async def test_REVIEW_005_api_modify_carries_the_new_proposed_changes(h: Harness) -> None:
    bad = await h.client.post(
        url(h.eligible, "modify"), json={"proposed_changes": [{"type": "teleport"}]}, headers=AUTH
    )
    assert bad.status_code == 422
    assert bad.json()["field"].startswith("proposed_changes")
    change = {"type": "capability_disable", "capability_name": "LOGS_LIST", "reason": "too noisy"}
    r = await h.client.post(
        url(h.eligible, "modify"), json={"proposed_changes": [change]}, headers=AUTH
    )
    assert r.status_code == 202
    [(decision, _)] = h.publisher.decisions
    assert decision.action == FounderAction.MODIFY_SCOPE
    assert decision.proposed_changes is not None
    assert decision.proposed_changes[0].model_dump() == change


async def test_api_clarify_publishes_the_request(h: Harness) -> None:
    r = await h.client.post(
        url(h.eligible, "clarify"), json={"request": "Which project exactly?"}, headers=AUTH
    )
    assert r.status_code == 202
    [(decision, _)] = h.publisher.decisions
    assert (decision.action, decision.request) == (
        FounderAction.REQUEST_CLARIFICATION,
        "Which project exactly?",
    )


async def test_api_not_ready_or_broker_down_is_503_and_nothing_is_remembered(h: Harness) -> None:
    h.ready[0] = False
    r = await h.client.post(url(h.eligible, "approve"), headers=AUTH)
    assert (r.status_code, r.json()["error_code"]) == (503, "NOT_READY")
    h.ready[0] = True
    h.publisher.failing = True
    r = await h.client.post(url(h.eligible, "approve"), headers=AUTH)
    assert (r.status_code, r.json()["error_code"]) == (503, "UNAVAILABLE")
    h.publisher.failing = False
    # The failed approval was not recorded, so it does not count as a duplicate.
    assert (await h.client.post(url(h.eligible, "approve"), headers=AUTH)).status_code == 202


async def test_AUDIT_004_api_resolve_audit_picks_the_action_from_the_verdict(h: Harness) -> None:
    failed = await h.add(contract(ContractStatus.FAILED, audit_verdict=AuditState.FAIL))
    passed = await h.add(contract(ContractStatus.COMPLETED, audit_verdict=AuditState.PASS))
    audit_id = uuid4()
    r = await h.client.post(
        f"/api/v1/audits/{audit_id}/resolve",
        json={"contract_id": str(failed.contract_id), "context": "rollback verified by hand"},
        headers=AUTH,
    )
    assert r.status_code == 202, r.text
    [(decision, _)] = h.publisher.decisions
    assert (decision.action, decision.audit_id, decision.reason) == (
        FounderAction.ACKNOWLEDGE_AUDIT,
        audit_id,
        "rollback verified by hand",
    )
    refused = await h.client.post(
        f"/api/v1/audits/{audit_id}/resolve",
        json={"contract_id": str(passed.contract_id), "reason": "re-check"},
        headers=AUTH,
    )
    assert (refused.status_code, refused.json()["rule"]) == (409, "AUDIT-004")


async def test_api_cancel_job_publishes_cancel_with_the_job_id(h: Harness) -> None:
    job_id = uuid4()
    r = await h.client.post(
        f"/api/v1/jobs/{job_id}/cancel",
        json={"contract_id": str(h.eligible.contract_id), "reason": "window moved"},
        headers=AUTH,
    )
    assert r.status_code == 202
    [(decision, _)] = h.publisher.decisions
    assert (decision.action, decision.job_id) == (FounderAction.CANCEL_JOB, job_id)


async def test_api_acknowledge_incident_publishes_the_incident_id(h: Harness) -> None:
    incident_id = uuid4()
    r = await h.client.post(
        f"/api/v1/incidents/{incident_id}/acknowledge",
        json={"contract_id": str(h.eligible.contract_id), "reason": "seen, rollback done"},
        headers=AUTH,
    )
    assert r.status_code == 202
    [(decision, correlation)] = h.publisher.decisions
    assert (decision.action, decision.incident_id, decision.reason) == (
        FounderAction.ACKNOWLEDGE_INCIDENT,
        incident_id,
        "seen, rollback done",
    )
    assert (decision.contract_id, correlation) == (h.eligible.contract_id, h.eligible.issue_id)


async def test_api_acknowledge_incident_refuses_a_bad_id_or_an_unknown_contract(
    h: Harness,
) -> None:
    bad = await h.client.post(
        "/api/v1/incidents/not-a-uuid/acknowledge",
        json={"contract_id": str(h.eligible.contract_id)},
        headers=AUTH,
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "incident_id")
    unknown = await h.client.post(
        f"/api/v1/incidents/{uuid4()}/acknowledge",
        json={"contract_id": str(uuid4())},
        headers=AUTH,
    )
    assert (unknown.status_code, unknown.json()["error_code"]) == (404, "CONTRACT_NOT_FOUND")
    assert h.publisher.decisions == []


async def test_ELIG_005_api_freeze_publishes_a_frozen_signal(h: Harness) -> None:
    r = await h.client.post(
        "/api/v1/capabilities/logs_list/freeze", json={"reason": "quarter close"}, headers=AUTH
    )
    assert r.status_code == 202
    [signal] = h.publisher.signals
    assert (signal.scope, signal.signal_type, signal.active, signal.issued_by) == (
        "LOGS_LIST",
        SignalType.FROZEN,
        True,
        "founder",
    )
    bad = await h.client.post(
        "/api/v1/capabilities/bad%20name/freeze", json={"reason": "x"}, headers=AUTH
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "name")


async def _capabilities(h: Harness) -> None:
    """LOGS_LIST launched but unhealthy; METRICS healthy but deprecated; TRACES without health."""
    await h.views.apply(
        [
            delivery(
                registry_record("LOGS_LIST", qualifier="beta", revision=4), Principal.EXECUTOR
            ),
            delivery(
                registry_record("METRICS", lifecycle=Lifecycle.DEPRECATED, qualifier="ga"),
                Principal.EXECUTOR,
            ),
            delivery(registry_record("TRACES", lifecycle=Lifecycle.PREVIEW), Principal.EXECUTOR),
            delivery(
                health_signal("LOGS_LIST", HealthStatus.UNHEALTHY, source="alert:LogsDown"),
                Principal.HEALTH,
            ),
            delivery(health_signal("METRICS", HealthStatus.HEALTHY), Principal.HEALTH),
        ]
    )


async def test_PART2_005_api_capabilities_show_the_effective_state_and_every_source(
    h: Harness,
) -> None:
    await _capabilities(h)
    assert (await h.client.get("/api/v1/capabilities")).status_code == 401
    r = await h.client.get("/api/v1/capabilities", headers=AUTH)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == NOW.isoformat()
    by_name = {c["name"]: c for c in body["capabilities"]}
    assert list(by_name) == ["LOGS_LIST", "METRICS", "TRACES"]
    logs = by_name["LOGS_LIST"]
    assert (logs["effective_state"], logs["decided_by"], logs["refinement"]) == (
        "UNHEALTHY",
        "health",
        "beta",
    )
    assert (logs["health"]["status"], logs["health"]["source"]) == ("UNHEALTHY", "alert:LogsDown")
    assert (logs["lifecycle"]["state"], logs["lifecycle"]["source"]) == (
        "LAUNCHED",
        "registry.state#4",
    )
    metrics = by_name["METRICS"]
    assert (metrics["effective_state"], metrics["decided_by"]) == ("DEPRECATED", "lifecycle")
    assert metrics["qualifier"] == {"value": "ga", "source": "registry.state#1"}
    traces = by_name["TRACES"]
    assert (traces["effective_state"], traces["health"]["source"]) == ("UNKNOWN", "none")
    # Same views, same clock: the same answer.
    assert (await h.client.get("/api/v1/capabilities", headers=AUTH)).json() == body
    h.ready[0] = False
    loading = await h.client.get("/api/v1/capabilities", headers=AUTH)
    assert (loading.status_code, loading.json()["error_code"]) == (503, "NOT_READY")


# --- web pages ------------------------------------------------------------------------


async def login(h: Harness, token: str = "tok-founder") -> str:
    r = await h.client.post("/login", data={"token": token})
    assert r.status_code == 303, r.text
    page = await h.client.get(f"/contracts/{h.eligible.contract_id}")
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match is not None
    return match.group(1)


async def test_web_pages_need_a_session(h: Harness) -> None:
    for path in (
        "/contracts",
        f"/contracts/{h.eligible.contract_id}",
        "/notifications",
        "/capabilities",
    ):
        r = await h.client.get(path)
        assert (r.status_code, r.headers["location"]) == (303, "/login")
    bad = await h.client.post("/login", data={"token": "nope"})
    assert bad.status_code == 401
    assert "not a founder token" in bad.text
    assert "govmesh_console" not in bad.headers.get("set-cookie", "")


async def test_web_login_lists_contracts_filtered_by_status(h: Harness) -> None:
    other = await h.add(contract(ContractStatus.REJECTED, title="Raise the rate limit"))
    await login(h)
    page = await h.client.get("/contracts?status=ELIGIBLE")
    assert page.status_code == 200
    assert str(h.eligible.contract_id) in page.text
    assert str(other.contract_id) not in page.text
    everything = await h.client.get("/contracts")
    assert str(other.contract_id) in everything.text


async def test_PART2_005_web_capabilities_page_shows_effective_state_and_sources(
    h: Harness,
) -> None:
    await _capabilities(h)
    await login(h)
    page = await h.client.get("/contracts")
    assert 'href="/capabilities"' in page.text
    r = await h.client.get("/capabilities")
    assert r.status_code == 200
    rows = dict(re.findall(r'<tr data-capability="([A-Z_]+)">(.*?)</tr>', r.text, re.S))
    assert list(rows) == ["LOGS_LIST", "METRICS", "TRACES"]
    assert ">UNHEALTHY</span>" in rows["LOGS_LIST"]
    assert "alert:LogsDown" in rows["LOGS_LIST"]
    assert ">DEPRECATED</span>" in rows["METRICS"]
    assert ">UNKNOWN</span>" in rows["TRACES"]
    assert '<span class="source">none</span>' in rows["TRACES"]


async def test_web_form_post_without_or_with_a_foreign_csrf_token_is_403(h: Harness) -> None:
    await login(h)
    path = f"/contracts/{h.eligible.contract_id}/approve"
    missing = await h.client.post(path, data={})
    assert missing.status_code == 403
    foreign = await h.client.post(path, data={"csrf_token": "0" * 64})
    assert foreign.status_code == 403
    assert "csrf_token" in foreign.text
    assert (await h.client.post("/logout", data={})).status_code == 403
    assert h.publisher.decisions == []


async def test_web_approve_shows_the_decision_as_submitted(h: Harness) -> None:
    csrf = await login(h)
    r = await h.client.post(
        f"/contracts/{h.eligible.contract_id}/approve",
        data={"csrf_token": csrf, "activation_window_start": "", "activation_window_end": ""},
    )
    assert r.status_code == 303
    [(decision, _)] = h.publisher.decisions
    assert decision.session_id.startswith("web-")
    page = await h.client.get(r.headers["location"])
    assert str(decision.decision_id) in page.text
    assert '<td class="state">submitted</td>' in page.text
    assert 'http-equiv="refresh"' in page.text
    await h.add(
        h.eligible.model_copy(
            update={"version": h.eligible.version + 1, "status": ContractStatus.APPROVED}
        )
    )
    page = await h.client.get(r.headers["location"])
    assert '<td class="state">reflected</td>' in page.text
    assert 'id="contract-status">APPROVED<' in page.text


async def test_REVIEW_002_web_short_reason_shows_the_rule(h: Harness) -> None:
    csrf = await login(h)
    r = await h.client.post(
        f"/contracts/{h.eligible.contract_id}/reject",
        data={"csrf_token": csrf, "reason": "nope"},
    )
    assert r.status_code == 422
    assert "REVIEW-002" in r.text
    assert ">nope</textarea>" in r.text  # the founder's input is kept
    assert h.publisher.decisions == []


async def test_web_logout_ends_the_session(h: Harness) -> None:
    csrf = await login(h)
    r = await h.client.post("/logout", data={"csrf_token": csrf})
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    assert (await h.client.get("/contracts")).status_code == 303

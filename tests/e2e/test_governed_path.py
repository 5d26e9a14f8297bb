"""SPEC §13 acceptance: CRM events through the whole governed path, every service its own
process exactly as `govmesh up` starts them, driven only through the outside interfaces.

One mesh serves the module (its start-up is the expensive part); every scenario works on
its own capability of the demo registry so E-006 keeps them apart. Clocks are real:
review, bake, audit-retry and heartbeat periods are shortened through GOVMESH_* settings.
Two capabilities are provisioned by an "external system" (GOVMESH_STEP_HOOKS): the
receiver below plays it, which lets a scenario act *during* a job.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import asyncpg
import httpx
import pytest

from tests.e2e.harness import GOVMESH, UpMesh, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

HEARTBEAT_S = 1.0  # health signals stay valid 3 s without a heartbeat


class ExternalSystem:
    """The webhook receiver: counts calls per idempotency key, and can misbehave."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.on_apply: dict[str, Any] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        system = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                capability = parse_qs(urlparse(self.path).query)["capability"][0]
                system.calls.append(
                    {"capability": capability, "key": self.headers["Idempotency-Key"], **body}
                )
                action = system.on_apply.get(capability)
                if body["action"] == "apply" and action is not None:
                    action()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(scope="module")
def external() -> Iterator[ExternalSystem]:
    system = ExternalSystem()
    system.thread.start()
    yield system
    system.server.shutdown()
    system.server.server_close()


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory, external: ExternalSystem) -> Iterator[UpMesh]:
    hooks = {
        cap: f"{external.url}/hook?capability={cap}"
        for cap in ("METRICS_EXPORT", "ANOMALY_DETECTION")
    }
    up = UpMesh(
        tmp_path_factory.mktemp("mesh") / "state",
        env={
            "GOVMESH_STEP_HOOKS": json.dumps(hooks),
            "GOVMESH_HEALTH_HEARTBEAT_S": str(HEARTBEAT_S),
            "GOVMESH_AUDIT_RETRY_DELAY_S": "2",
            "GOVMESH_AUDIT_BUDGET_S": "30",
            "GOVMESH_CONTRACTS_BAKE_S": "2",
            "GOVMESH_CONTRACTS_BAKE_CHECK_S": "0.5",
            "GOVMESH_TIMER_INTERVAL_S": "0.2",
            # Review clock: warning at 12 s, escalation at 15 s, expiry at 18 s.
            "GOVMESH_REVIEW_WARNING_HOURS": str(12 / 3600),
            "GOVMESH_REVIEW_ESCALATION_HOURS": str(15 / 3600),
            "GOVMESH_REVIEW_TTL_HOURS": str(18 / 3600),
        },
    )
    up.start()
    try:
        yield up
    finally:
        code = up.stop()
        assert code == 0, up.log("contracts")


def _registry(mesh: UpMesh, name: str) -> dict[str, Any]:
    records = mesh.executor_get("/api/v1/registry")["records"]
    record: dict[str, Any] = next(r for r in records if r["name"] == name)
    return record


def _approve(mesh: UpMesh, contract_id: str) -> None:
    answer = mesh.founder(f"/api/v1/contracts/{contract_id}/approve", {})
    assert answer.status_code == 202, answer.text


def _jobs(mesh: UpMesh, contract_id: str) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = mesh.executor_get(f"/api/v1/jobs?contract_id={contract_id}")[
        "jobs"
    ]
    return jobs


def _verified(mesh: UpMesh, contract_id: str) -> str:
    result = mesh.verify(contract_id)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_1_success_crm_event_to_verified_rollout(mesh: UpMesh, tmp_path: Path) -> None:
    issue = mesh.submit(
        "Please enable LOG_EXPORT",
        "Our compliance team needs LOG_EXPORT enabled so we can export logs to our SIEM.",
    )
    contract = mesh.wait_contract_of(issue, "ELIGIBLE", timeout_s=30)
    cid = contract["contract_id"]
    assert contract["proposed_changes"][0]["capability_name"] == "LOG_EXPORT"
    assert _registry(mesh, "LOG_EXPORT")["enabled"] is False

    _approve(mesh, cid)
    done = mesh.wait_status(cid, {"COMPLETED", "FAILED"}, timeout_s=30)
    assert done["status"] == "COMPLETED", done
    assert done["audit_verdict"] == "PASS"
    assert _registry(mesh, "LOG_EXPORT")["enabled"] is True
    job_id = done["job_id"]
    audit = mesh.contracts_get(f"/api/v1/audits/{job_id}")
    assert audit["verdict"] == "PASS"
    wait_for(
        "the rollout to be VERIFIED after the bake",
        lambda: mesh.contracts_get(f"/api/v1/audits/{job_id}")["rollout"]["state"] == "VERIFIED",
        timeout_s=30,
    )
    # GATE-8: the requester sees the outcome, not the internals.
    status = mesh.requester_status(issue)
    assert status["status"] == "COMPLETED", status
    assert "confidence" not in json.dumps(status)

    chain = _verified(mesh, cid)
    for link in (
        "IssueAccepted",
        "ProposalValidated",
        "ProposalAssessed",
        "FounderDecision",
        "JobRequested",
        "JobEvent",
        "AuditVerdict",
    ):
        assert link in chain

    # (6) an archived chain in which one stored message is altered no longer verifies.
    archive = tmp_path / "chain.jsonl"
    assert mesh.verify(cid, "--export", str(archive)).returncode == 0
    assert mesh.verify(cid, "--records", str(archive)).returncode == 0
    lines = archive.read_text().splitlines()
    tampered = []
    for line in lines:
        row = json.loads(line)
        if row["topic"] == "founder.decisions":
            value = base64.b64decode(row["value_b64"]).replace(b'"APPROVE"', b'"REJECT"')
            row["value_b64"] = base64.b64encode(value).decode()
        tampered.append(json.dumps(row))
    archive.write_text("\n".join(tampered) + "\n")
    broken = mesh.verify(cid, "--records", str(archive))
    assert broken.returncode == 1
    assert "BROKEN" in broken.stdout and "founder.decisions" in broken.stdout


def test_2_a_failing_step_rolls_back_in_reverse_and_fails_the_contract(mesh: UpMesh) -> None:
    changes = [
        {
            "type": "capability_enable",
            "capability_name": "TRACE_VIEWER",
            "target_lifecycle": "PREVIEW",
        },
        {
            "type": "configuration_update",
            "scope": "TRACE_VIEWER",
            "key": "retention_days",
            "old_value": 7,
            "new_value": 30,
        },
        # The registry has no max_spans: old_value 123 does not match and the step fails.
        {
            "type": "configuration_update",
            "scope": "TRACE_VIEWER",
            "key": "max_spans",
            "old_value": 123,
            "new_value": 5000,
        },
    ]
    issue = mesh.submit(
        "Enable TRACE_VIEWER with longer retention",
        "Please enable TRACE_VIEWER, set retention_days to 30 and max_spans to 5000.",
        structured={"proposed_changes": changes},
    )
    cid = mesh.wait_contract_of(issue, "ELIGIBLE", timeout_s=30)["contract_id"]
    _approve(mesh, cid)
    failed = mesh.wait_status(cid, {"COMPLETED", "FAILED"}, timeout_s=30)
    assert failed["status"] == "FAILED", failed

    def rolled_back() -> dict[str, Any] | None:
        rollbacks = [j for j in _jobs(mesh, cid) if j["kind"] == "rollback"]
        return rollbacks[0] if rollbacks and rollbacks[0]["outcome"] == "ROLLED_BACK" else None

    rollback = wait_for("the rollback job", rolled_back, timeout_s=30)
    steps = mesh.executor_get(f"/api/v1/jobs/{rollback['job_id']}/steps")["steps"]
    assert [s["type"] for s in steps] == ["config_update", "capability_disable"]  # reverse
    ran = mesh.executor_get(f"/api/v1/jobs/{failed['job_id']}/steps")["steps"]
    # The first failure stops the job: the change record after it never ran.
    assert [s["status"] for s in ran] == ["COMPLETED", "COMPLETED", "FAILED", "SKIPPED"]
    record = _registry(mesh, "TRACE_VIEWER")
    assert record["enabled"] is False
    assert record["config"]["retention_days"] == 7
    incidents = mesh.contracts_get(f"/api/v1/incidents?contract_id={cid}")["incidents"]
    assert [i["kind"] for i in incidents] == ["JOB_FAILED"], incidents
    _verified(mesh, cid)


def test_3_unauthorized_registry_mutation_during_the_job_fails_the_audit(
    mesh: UpMesh, external: ExternalSystem
) -> None:
    database = mesh.endpoints["database_url"]

    def mutate_behind_the_executors_back() -> None:
        async def write() -> None:
            host = database.split("host=")[1]
            conn = await asyncpg.connect(host=host, user="postgres", database="postgres")
            try:
                await conn.execute(
                    'UPDATE executor.registry SET config = config || \'{"export_format": "xml"}\''
                    " WHERE name = 'METRICS_EXPORT'"
                )
            finally:
                await conn.close()

        asyncio.run(write())

    external.on_apply["METRICS_EXPORT"] = mutate_behind_the_executors_back
    issue = mesh.submit(
        "Enable METRICS_EXPORT please",
        "We would like METRICS_EXPORT enabled so our dashboards can export metrics.",
    )
    cid = mesh.wait_contract_of(issue, "ELIGIBLE", timeout_s=30)["contract_id"]
    _approve(mesh, cid)
    failed = mesh.wait_status(cid, {"COMPLETED", "FAILED"}, timeout_s=30)
    assert failed["status"] == "FAILED", failed
    audit = mesh.contracts_get(f"/api/v1/audits/{failed['job_id']}")
    assert audit["verdict"] == "FAIL"
    checks = mesh.contracts_get(f"/api/v1/audits/{audit['audit_id']}/checks")["checks"]
    assert {c["check"]: c["outcome"] for c in checks}["A-007"] == "FAIL", checks
    incidents = mesh.contracts_get(f"/api/v1/incidents?contract_id={cid}")["incidents"]
    assert "AUDIT_FAIL" in [i["kind"] for i in incidents], incidents
    wait_for(
        "the rollback of the failed audit",
        lambda: any(
            j["kind"] == "rollback" and j["outcome"] == "ROLLED_BACK" for j in _jobs(mesh, cid)
        ),
        timeout_s=30,
    )
    assert _registry(mesh, "METRICS_EXPORT")["enabled"] is False
    assert [c["key"] for c in external.calls if c["capability"] == "METRICS_EXPORT"][:1]
    _verified(mesh, cid)


def test_4_health_unavailable_gives_inconclusive_escalation_and_founder_resolution(
    mesh: UpMesh, external: ExternalSystem
) -> None:
    def health_goes_silent() -> None:
        # The external system is slow while the health service is unavailable: by the time
        # the job ends its health snapshot is stale (UNKNOWN).
        mesh.pause("health")
        time.sleep(4 * HEARTBEAT_S)

    external.on_apply["ANOMALY_DETECTION"] = health_goes_silent
    issue = mesh.submit(
        "Turn on ANOMALY_DETECTION",
        "Please enable ANOMALY_DETECTION for our workspace; we want alerts on anomalies.",
    )
    cid = mesh.wait_contract_of(issue, "ELIGIBLE", timeout_s=30)["contract_id"]
    try:
        _approve(mesh, cid)

        def escalated() -> dict[str, Any] | None:
            contract = mesh.contract(cid)
            return contract if contract["audit_verdict"] == "INCONCLUSIVE" else None

        contract = wait_for("the INCONCLUSIVE audit", escalated, timeout_s=60)
    finally:
        mesh.resume("health")
    audit = mesh.contracts_get(f"/api/v1/audits/{contract['job_id']}")
    assert audit["verdict"] == "INCONCLUSIVE"
    assert audit["state"] == "ESCALATED"
    assert audit["audits"][-1]["attempt"] == 2  # one retry before escalating
    answer = mesh.founder(
        f"/api/v1/audits/{audit['audit_id']}/resolve",
        {"contract_id": cid, "reason": "Health was down for maintenance; dashboards show it fine."},
    )
    assert answer.status_code == 202, answer.text
    # A founder cannot turn an unverified change into COMPLETED (SM-003, PART2-004): the
    # resolution closes it FAILED and rolls it back.
    resolved = mesh.wait_status(cid, {"COMPLETED", "FAILED"}, timeout_s=30)
    assert resolved["status"] == "FAILED", resolved
    assert mesh.contracts_get(f"/api/v1/audits/{contract['job_id']}")["state"] == "RESOLVED"
    _verified(mesh, cid)


def test_5_ineligible_rejected_clarification_and_expired_paths(mesh: UpMesh) -> None:
    # Ineligible: AUDIT_TRAIL is frozen (E-102); the requester sees the reason.
    frozen = mesh.submit(
        "Disable AUDIT_TRAIL",
        "Please disable AUDIT_TRAIL for our workspace, we do not need the audit trail.",
    )
    refused = mesh.wait_contract_of(frozen, "REJECTED", timeout_s=30)
    assert "E-102" in (refused["status_reason"] or ""), refused
    seen = mesh.requester_status(frozen)
    assert seen["status"] == "REJECTED" and "E-102" in seen["reason"], seen

    # Rejected by a founder, with a reason.
    issue = mesh.submit(
        "Increase LOGS_LIST page size",
        "Please set LOGS_LIST page_size to 200 for us, our team pages through many logs.",
    )
    cid = mesh.wait_contract_of(issue, "ELIGIBLE", timeout_s=30)["contract_id"]
    short = mesh.founder(f"/api/v1/contracts/{cid}/reject", {"reason": "no"})
    assert short.status_code == 422 and short.json()["rule"] == "REVIEW-002"
    answer = mesh.founder(
        f"/api/v1/contracts/{cid}/reject", {"reason": "Not on this quarter's roadmap, sorry."}
    )
    assert answer.status_code == 202, answer.text
    rejected = mesh.wait_status(cid, {"REJECTED"}, timeout_s=30)
    assert "roadmap" in (rejected["status_reason"] or "")
    _verified(mesh, cid)

    # Clarification: the review clock pauses; the contract outlives its TTL.
    asked = mesh.submit(
        "Raise LOG_SEARCH max_results",
        "Please set LOG_SEARCH max_results to 5000, our queries are cut off at 1000 results.",
    )
    paused_id = mesh.wait_contract_of(asked, "ELIGIBLE", timeout_s=30)["contract_id"]
    answer = mesh.founder(
        f"/api/v1/contracts/{paused_id}/clarify", {"request": "Which teams need more than 1000?"}
    )
    assert answer.status_code == 202, answer.text
    wait_for(
        "the clarification request on the contract",
        lambda: mesh.contract(paused_id)["clarification_request"],
        timeout_s=30,
    )

    # Expired: nobody reviews it within the (shortened) TTL.
    ignored = mesh.submit(
        "Enable METRICS_EXPORT for finance",
        "Finance asks to enable METRICS_EXPORT for the monthly reports.",
    )
    expired_id = mesh.wait_contract_of(ignored, "ELIGIBLE", timeout_s=30)["contract_id"]
    mesh.wait_status(expired_id, {"EXPIRED"}, timeout_s=40)
    history = mesh.contracts_get(f"/api/v1/contracts/{expired_id}/history")
    assert "EXPIRED" in json.dumps(history)
    assert mesh.contract(paused_id)["status"] == "ELIGIBLE"  # paused: not expired
    _verified(mesh, expired_id)


def test_6_an_alertmanager_alert_reaches_the_executors_health_gate(mesh: UpMesh) -> None:
    alerts = Path(__file__).resolve().parents[1] / "data" / "alertmanager"
    issue = mesh.submit(
        "Raise LOGS_LIST max_requests_per_minute",
        "Please set LOGS_LIST max_requests_per_minute to 200, our scripts hit the limit.",
    )
    cid = mesh.wait_contract_of(issue, "ELIGIBLE", timeout_s=30)["contract_id"]
    health = mesh.endpoints["health_url"]

    def post(fixture: str) -> None:
        payload = json.loads((alerts / fixture).read_text())
        answer = httpx.post(f"{health}/api/v1/alertmanager", json=payload, timeout=10)
        assert answer.status_code == 200, answer.text

    post("firing_capability_critical.json")  # LOGS_LIST, severity critical
    try:
        wait_for(
            "LOGS_LIST UNHEALTHY from the alert",
            lambda: (
                httpx.get(f"{health}/api/v1/health/LOGS_LIST", timeout=10).json()["status"]
                == "UNHEALTHY"
            ),
            timeout_s=15,
        )
        _approve(mesh, cid)  # SYSTEM is HEALTHY, so the approval itself is allowed (E-104)
        failed = mesh.wait_status(cid, {"COMPLETED", "FAILED"}, timeout_s=30)
        assert failed["status"] == "FAILED", failed
        job = mesh.executor_get(f"/api/v1/jobs/{failed['job_id']}")
        assert job["error_rule"] == "JOB-002", job
        assert (
            "LOGS_LIST is UNHEALTHY" in job["error"]
            and "alertmanager:HighErrorRate" in job["error"]
        )
        assert _registry(mesh, "LOGS_LIST")["config"]["max_requests_per_minute"] == 100
    finally:
        post("resolved_capability_critical.json")
    _verified(mesh, cid)


def test_7_registry_import_command_seeds_the_governed_registry(
    mesh: UpMesh, tmp_path: Path
) -> None:
    document = {
        "capabilities": [
            {
                "name": "SESSION_REPLAY",
                "enabled": False,
                "lifecycle": "PREVIEW",
                "frozen": False,
                "qualifier": "beta",
                "config": {"retention_days": 14},
            }
        ],
        "system": {"config": {"maintenance_mode": False}},
    }
    path = tmp_path / "registry.yaml"
    path.write_text(json.dumps(document))  # JSON is YAML
    result = subprocess.run(
        [str(GOVMESH), "registry", "import", str(path), "--data-dir", str(mesh.data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("GOVMESH_")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = _registry(mesh, "SESSION_REPLAY")
    assert (record["enabled"], record["qualifier"], record["config"]) == (
        False,
        "beta",
        {"retention_days": 14},
    )
    # Published on registry.state: the console's capabilities view sees it.
    wait_for(
        "SESSION_REPLAY in the console's capabilities",
        lambda: any(
            c["name"] == "SESSION_REPLAY"
            for c in httpx.get(
                f"{mesh.endpoints['console_url']}/api/v1/capabilities",
                headers={"Authorization": f"Bearer {mesh.endpoints['founder_token']}"},
                timeout=10,
            ).json()["capabilities"]
        ),
        timeout_s=15,
    )

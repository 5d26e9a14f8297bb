"""The Helm chart renders offline (Helm's own engine via helm-python-sdk) into valid manifests
that match ARCHITECTURE "Running it", "Topics" and "Envelope and authority" and SPEC §12."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import helm_python
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from govmesh.schemas import Principal
from govmesh.schemas.topics import TOPICS
from tests.unit.deploy.support import CHART, SERVICES, STATEFUL, expected_acls

pytestmark = pytest.mark.unit

KUBERNETES_VERSION = "1.31.0"
RELEASE = "govmesh"
NAMESPACE = "govmesh"
CRD_KINDS = {
    "ServiceMonitor": "monitoring.coreos.com/v1",
    "PrometheusRule": "monitoring.coreos.com/v1",
    "KafkaTopic": "kafka.strimzi.io/v1beta2",
    "KafkaUser": "kafka.strimzi.io/v1beta2",
}

Manifest = dict[str, Any]


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    """`helm template` of the chart: every YAML document of every rendered template."""
    with helm_python.Chart.load(CHART) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    return [
        doc
        for path, text in sorted(rendered.items())
        if path.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def by_name(manifests: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {m["metadata"]["name"]: m for m in of_kind(manifests, kind)}


def env_of(container: Manifest) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def validate_builtins(manifests: list[Manifest]) -> int:
    count = 0
    for manifest in manifests:
        if manifest["kind"] in CRD_KINDS:
            continue
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        count += 1
    return count


@pytest.fixture(scope="module")
def manifests() -> list[Manifest]:
    return render()


@pytest.fixture(scope="module")
def deployments(manifests: list[Manifest]) -> dict[str, Manifest]:
    return by_name(manifests, "Deployment")


def test_chart_lints_without_warnings_for_the_fixed_kubernetes_version() -> None:
    report = helm_python.lint(
        CHART, strict=True, kube_version=f"v{KUBERNETES_VERSION}", namespace=NAMESPACE
    )
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_builtin_manifest_is_valid_for_the_fixed_kubernetes_version(
    manifests: list[Manifest],
) -> None:
    # Deployments, Services, Jobs and the HPA; unknown fields are refused (strict schemas).
    assert validate_builtins(manifests) == len(SERVICES) * 2 + len(STATEFUL) + 1


def test_schema_validation_refuses_a_broken_deployment(deployments: dict[str, Manifest]) -> None:
    broken = copy.deepcopy(deployments[f"{RELEASE}-validator"])
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
    unknown = copy.deepcopy(deployments[f"{RELEASE}-validator"])
    unknown["spec"]["replica"] = 2
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(unknown, KUBERNETES_VERSION, strict=True)


def test_custom_resources_have_their_operator_api_versions(manifests: list[Manifest]) -> None:
    kinds = {(m["apiVersion"], m["kind"]) for m in manifests if m["kind"] in CRD_KINDS}
    assert kinds == {(api, kind) for kind, api in CRD_KINDS.items()}


def test_a_deployment_per_service_runs_it_from_the_one_image(
    deployments: dict[str, Manifest],
) -> None:
    assert set(deployments) == {f"{RELEASE}-{s}" for s in SERVICES}
    images = set()
    for service in SERVICES:
        pod = deployments[f"{RELEASE}-{service}"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        images.add(container["image"])
        assert container["command"] == ["python", "-m", f"govmesh.{service}"]
        env = env_of(container)
        assert env["GOVMESH_PRINCIPAL"] == service
        assert env["GOVMESH_HTTP_HOST"] == "0.0.0.0"
        assert env["GOVMESH_HTTP_PORT"] == "8080"
        assert env["GOVMESH_TOPIC_PREFIX"] == ""
        assert env["GOVMESH_DEV_MODE"] == "false"
        assert env["GOVMESH_KEYS_DIR"] == "/etc/govmesh/keys"
        assert ("GOVMESH_DATABASE_URL" in env) == (service in STATEFUL)
        assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert len(images) == 1


def test_stateful_services_read_their_own_database_url(deployments: dict[str, Manifest]) -> None:
    for service in STATEFUL:
        (container,) = deployments[f"{RELEASE}-{service}"]["spec"]["template"]["spec"]["containers"]
        ref = env_of(container)["GOVMESH_DATABASE_URL"]["secretKeyRef"]
        assert ref == {"name": "govmesh-database", "key": service}


def test_each_pod_mounts_only_its_own_signing_key_and_the_trust_file(
    deployments: dict[str, Manifest],
) -> None:
    for service in SERVICES:
        pod = deployments[f"{RELEASE}-{service}"]["spec"]["template"]["spec"]
        (keys,) = [v for v in pod["volumes"] if v["name"] == "signing-keys"]
        assert keys["secret"]["secretName"] == f"govmesh-keys-{service}"
        assert {i["key"] for i in keys["secret"]["items"]} == {f"{service}.key", "trust.json"}
        (mount,) = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "signing-keys"]
        assert mount == {"name": "signing-keys", "mountPath": "/etc/govmesh/keys", "readOnly": True}


def test_services_select_exactly_their_deployment_pods(manifests: list[Manifest]) -> None:
    deployments = by_name(manifests, "Deployment")
    services = by_name(manifests, "Service")
    assert set(services) == set(deployments)
    for name, service in services.items():
        pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        selector = service["spec"]["selector"]
        assert selector.items() <= pod_labels.items()
        others = [d for n, d in deployments.items() if n != name]
        for other in others:
            assert not selector.items() <= other["spec"]["template"]["metadata"]["labels"].items()
        assert service["spec"]["ports"] == [
            {"name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"}
        ]


def test_a_pre_install_migration_job_per_stateful_service(manifests: list[Manifest]) -> None:
    jobs = by_name(manifests, "Job")
    assert set(jobs) == {f"{RELEASE}-{s}-migrate" for s in STATEFUL}
    for service in STATEFUL:
        job = jobs[f"{RELEASE}-{service}-migrate"]
        hooks = set(job["metadata"]["annotations"]["helm.sh/hook"].split(","))
        assert hooks == {"pre-install", "pre-upgrade"}
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["python", "-m", f"govmesh.{service}", "migrate"]
        assert env_of(container)["GOVMESH_PRINCIPAL"] == service
        assert "GOVMESH_DATABASE_URL" in env_of(container)


def test_migrations_can_run_as_init_containers_instead() -> None:
    manifests = render({"migrations": {"mode": "initContainer"}})
    validate_builtins(manifests)
    assert of_kind(manifests, "Job") == []
    for name, deployment in by_name(manifests, "Deployment").items():
        service = name.removeprefix(f"{RELEASE}-")
        inits = deployment["spec"]["template"]["spec"].get("initContainers", [])
        commands = [c["command"] for c in inits]
        expected = [["python", "-m", f"govmesh.{service}", "migrate"]]
        assert commands == (expected if service in STATEFUL else [])


def test_an_unknown_migration_mode_or_service_is_refused() -> None:
    with pytest.raises(helm_python.HelmError, match=r"migrations\.mode"):
        render({"migrations": {"mode": "sometimes"}})
    with pytest.raises(helm_python.HelmError, match="unknown govmesh service"):
        render({"services": {"billing": {"enabled": True, "stateful": False, "replicas": 1}}})


def test_the_executor_autoscales_on_cpu(manifests: list[Manifest]) -> None:
    (hpa,) = of_kind(manifests, "HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": f"{RELEASE}-executor",
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    # The HPA owns the replica count; a fixed one would be reset on every upgrade.
    assert "replicas" not in by_name(manifests, "Deployment")[f"{RELEASE}-executor"]["spec"]


def test_autoscaling_values_reach_the_hpa() -> None:
    values = {
        "services": {
            "executor": {
                "autoscaling": {
                    "minReplicas": 3,
                    "maxReplicas": 7,
                    "targetCPUUtilizationPercentage": 55,
                }
            }
        }
    }
    (hpa,) = of_kind(render(values), "HorizontalPodAutoscaler")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 7)
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 55


def test_the_service_monitor_scrapes_every_service_metrics(manifests: list[Manifest]) -> None:
    (monitor,) = of_kind(manifests, "ServiceMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    for service in of_kind(manifests, "Service"):
        assert selector.items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    (endpoint,) = monitor["spec"]["endpoints"]
    assert (endpoint["port"], endpoint["path"]) == ("http", "/metrics")


def test_monitoring_resources_can_be_switched_off() -> None:
    kinds = {
        m["kind"]
        for m in render(
            {"serviceMonitor": {"enabled": False}, "prometheusRule": {"enabled": False}}
        )
    }
    assert "ServiceMonitor" not in kinds
    assert "PrometheusRule" not in kinds


@pytest.fixture(scope="module")
def alert_exprs(manifests: list[Manifest]) -> list[str]:
    (rule,) = of_kind(manifests, "PrometheusRule")
    return [" ".join(r["expr"].split()) for g in rule["spec"]["groups"] for r in g["rules"]]


_THRESHOLD = re.compile(r"^(?P<lhs>.+?)\s*>\s*(?P<value>[0-9.]+)$")

# (what SPEC §12 watches, the expression's left side must contain, threshold)
SPEC12 = [
    ("contracts pending", "max(govmesh_contracts_pending)", 100),
    ("validator duration ms", "rate(govmesh_validator_duration_ms_bucket[5m])", 5000),
    (
        "contracts awaiting review, seconds",
        "govmesh_contracts_awaiting_review_oldest_seconds",
        3 * 24 * 60 * 60,
    ),
    ("job duration ms", "rate(govmesh_job_duration_ms_bucket[5m])", 60000),
    ("audit duration ms", "rate(govmesh_audit_duration_ms_bucket[5m])", 30000),
    ("rollbacks per hour", "increase(govmesh_rollbacks_total[1h])", 5),
    ("consumer lag", "govmesh_consumer_lag", 1000),
    ("dead letters", "increase(govmesh_dead_letters_total[5m])", 0),
    ("authority violations", "increase(govmesh_authority_violations_total[5m])", 0),
]


@pytest.mark.parametrize(("watch", "lhs", "threshold"), SPEC12, ids=[s[0] for s in SPEC12])
def test_SPEC12_prometheus_rule_alerts_at_the_threshold(
    alert_exprs: list[str], watch: str, lhs: str, threshold: int
) -> None:
    matches = [m for m in map(_THRESHOLD.match, alert_exprs) if m and lhs in m["lhs"]]
    assert len(matches) == 1, f"{watch}: {alert_exprs}"
    assert float(matches[0]["value"]) == threshold


def test_SPEC12_every_alert_rule_is_one_of_the_monitoring_points(alert_exprs: list[str]) -> None:
    assert len(alert_exprs) == len(SPEC12)


def test_the_prometheus_rule_is_the_shared_alerts_file(manifests: list[Manifest]) -> None:
    (rule,) = of_kind(manifests, "PrometheusRule")
    shared = yaml.safe_load((CHART / "files" / "alerts.yaml").read_text(encoding="utf-8"))
    assert rule["spec"] == shared


def test_a_kafka_topic_per_registry_topic(manifests: list[Manifest]) -> None:
    topics = {t["spec"]["topicName"]: t for t in of_kind(manifests, "KafkaTopic")}
    assert set(topics) == set(TOPICS)
    for name, spec in TOPICS.items():
        topic = topics[name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "govmesh"
        assert topic["spec"]["partitions"] == spec.partitions
        assert topic["spec"]["config"]["cleanup.policy"] == spec.cleanup
        assert topic["spec"]["replicas"] == 3


def _acl_rows(users: list[Manifest]) -> Iterator[tuple[str, str, str, str, str]]:
    for user in users:
        principal = user["metadata"]["labels"]["govmesh.io/principal"]
        for acl in user["spec"]["authorization"]["acls"]:
            res = acl["resource"]
            for op in acl["operations"]:
                yield (principal, res["type"], res["name"], res["patternType"], op)


def test_kafka_users_are_scram_with_simple_authorization(manifests: list[Manifest]) -> None:
    users = by_name(manifests, "KafkaUser")
    assert set(users) == {f"{RELEASE}-{p.value}" for p in Principal}
    for user in users.values():
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "govmesh"
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}
        assert user["spec"]["authorization"]["type"] == "simple"


def test_kafka_user_acls_are_exactly_the_registry_rights(manifests: list[Manifest]) -> None:
    assert set(_acl_rows(of_kind(manifests, "KafkaUser"))) == expected_acls()


def test_validator_may_write_validated_proposals_but_not_job_requests(
    manifests: list[Manifest],
) -> None:
    rows = set(_acl_rows(of_kind(manifests, "KafkaUser")))
    assert ("validator", "topic", "proposals.validated", "literal", "Write") in rows
    assert not any(r[0] == "validator" and r[2] == "jobs.requested" for r in rows)
    assert ("contracts", "topic", "jobs.requested", "literal", "Write") in rows
    assert ("crm", "topic", "crm.events", "literal", "Write") in rows
    assert not any(r[0] == "crm" and r[4] == "Read" for r in rows)


def test_each_service_authenticates_as_its_own_kafka_user(
    deployments: dict[str, Manifest], manifests: list[Manifest]
) -> None:
    users = by_name(manifests, "KafkaUser")
    for service in SERVICES:
        (container,) = deployments[f"{RELEASE}-{service}"]["spec"]["template"]["spec"]["containers"]
        env = env_of(container)
        username = env["GOVMESH_KAFKA_SASL_USERNAME"]
        assert users[username]["metadata"]["labels"]["govmesh.io/principal"] == service
        assert env["GOVMESH_KAFKA_SASL_PASSWORD"] == {
            "secretKeyRef": {"name": username, "key": "password"}
        }


def test_a_topic_prefix_reaches_topics_acls_and_settings() -> None:
    manifests = render({"topicPrefix": "t1."})
    assert {t["spec"]["topicName"] for t in of_kind(manifests, "KafkaTopic")} == {
        f"t1.{name}" for name in TOPICS
    }
    assert set(_acl_rows(of_kind(manifests, "KafkaUser"))) == expected_acls("t1.")
    for deployment in of_kind(manifests, "Deployment"):
        env = env_of(deployment["spec"]["template"]["spec"]["containers"][0])
        assert env["GOVMESH_TOPIC_PREFIX"] == "t1."

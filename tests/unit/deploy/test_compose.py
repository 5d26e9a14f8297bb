"""docker-compose.yml is consistent (there is no Docker engine here, so it is checked as data):
every dependency exists and is gated on something that can be reached, every service runs as
its own principal, and the broker, database, keys and monitoring wiring match the chart."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from deploy import generate
from tests.unit.deploy.support import ROOT, SERVICES, STATEFUL, registry_principals

pytestmark = pytest.mark.unit

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
_DEFAULT = re.compile(r"^\$\{(?P<var>[A-Z0-9_]+):-(?P<default>[^}]*)\}$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: spec.get("condition", "service_started") for name, spec in deps.items()}


def govmesh_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Long-running govmesh services, by the module their command runs."""
    found = {}
    for name, service in services.items():
        command = service.get("command")
        if isinstance(command, list) and command[:2] == ["python", "-m"] and len(command) == 3:
            found[name] = service
    return found


def test_every_dependency_exists_with_a_condition_it_can_meet(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        for dep, condition in depends_on(service).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert condition in CONDITIONS, f"{name} -> {dep}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck"
            if condition == "service_completed_successfully":
                assert services[dep].get("restart") == "no", f"{dep} is not a one-shot"


def test_every_govmesh_service_runs_as_its_own_principal(
    services: dict[str, dict[str, Any]],
) -> None:
    runners = govmesh_services(services)
    assert set(runners) == set(SERVICES)
    for name, service in runners.items():
        assert service["command"] == ["python", "-m", f"govmesh.{name}"]
        env = service["environment"]
        assert env["GOVMESH_PRINCIPAL"] == name
        assert env["GOVMESH_KAFKA_SASL_USERNAME"] == name
        assert env["GOVMESH_HTTP_HOST"] == "0.0.0.0"
        assert env["GOVMESH_HTTP_PORT"] == "8080"
        assert env["GOVMESH_TOPIC_PREFIX"] == ""
        assert env["GOVMESH_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert ("GOVMESH_DATABASE_URL" in env) == (name in STATEFUL)
        assert "/readyz" in " ".join(service["healthcheck"]["test"])


def test_every_govmesh_service_is_built_from_the_one_image(
    services: dict[str, dict[str, Any]],
) -> None:
    users = [s for s in services.values() if s.get("build")]
    assert {s["image"] for s in users} == {"govmesh:${GOVMESH_IMAGE_TAG:-dev}"}
    assert all(s["build"] == {"context": ".", "dockerfile": "Dockerfile"} for s in users)
    assert set(govmesh_services(services)) <= {n for n, s in services.items() if s.get("build")}


def test_services_wait_for_topics_acls_keys_and_their_migrations(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in SERVICES:
        deps = depends_on(services[name])
        assert deps["kafka-init"] == "service_completed_successfully"
        assert deps["keys"] == "service_completed_successfully"
        migrate = f"{name}-migrate"
        if name in STATEFUL:
            assert deps[migrate] == "service_completed_successfully"
        else:
            assert migrate not in services


def test_migrations_are_one_shots_gated_on_postgres_health(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in STATEFUL:
        job = services[f"{name}-migrate"]
        assert job["command"] == ["python", "-m", f"govmesh.{name}", "migrate"]
        assert job["restart"] == "no"
        assert depends_on(job) == {"postgres": "service_healthy"}
        env = job["environment"]
        assert env["GOVMESH_PRINCIPAL"] == name
        # One role per stateful service, the same URL as the service itself uses.
        assert env["GOVMESH_DATABASE_URL"].startswith(f"postgresql://{name}:")
        assert env["GOVMESH_DATABASE_URL"] == services[name]["environment"]["GOVMESH_DATABASE_URL"]
    assert services["postgres"]["image"] == "postgres:17"


def test_each_service_mounts_only_its_own_key_directory(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in SERVICES:
        (mount,) = [v for v in services[name]["volumes"] if v["target"] == "/etc/govmesh/keys"]
        assert mount["source"] == "keys"
        assert mount["read_only"] is True
        assert mount["volume"] == {"subpath": name}
        assert name in services["keys"]["command"][-1]


def test_kafka_is_kraft_with_scram_and_initialised_by_the_generated_script(
    services: dict[str, dict[str, Any]],
) -> None:
    assert services["kafka"]["image"].startswith("apache/kafka:")
    init = services["kafka-init"]
    assert init["image"] == services["kafka"]["image"]
    assert depends_on(init) == {"kafka": "service_healthy"}
    mounted = {v.split(":")[0]: v.split(":")[1] for v in init["volumes"]}
    assert mounted[f"./{generate.ACLS_SCRIPT}"] in init["command"]
    properties = (ROOT / "deploy/compose/kafka/server.properties").read_text(encoding="utf-8")
    assert "process.roles=broker,controller" in properties
    assert "sasl.enabled.mechanisms=SCRAM-SHA-512" in properties
    assert "allow.everyone.if.no.acl.found=false" in properties


def test_each_principal_password_is_the_same_for_broker_and_client(
    services: dict[str, dict[str, Any]],
) -> None:
    init_env = services["kafka-init"]["environment"]
    expected = {f"KAFKA_PASSWORD_{p.upper()}" for p in registry_principals()}
    assert {k for k in init_env if k.startswith("KAFKA_PASSWORD_")} == expected
    for name in SERVICES:
        client = _DEFAULT.match(services[name]["environment"]["GOVMESH_KAFKA_SASL_PASSWORD"])
        broker = _DEFAULT.match(init_env[f"KAFKA_PASSWORD_{name.upper()}"])
        assert client and broker
        assert client.groupdict() == broker.groupdict()


def test_every_bind_mounted_file_is_in_the_repository(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = [
        v.split(":")[0]
        for s in services.values()
        for v in s.get("volumes", [])
        if isinstance(v, str) and v.startswith("./")
    ]
    assert mounts
    for source in mounts:
        assert (ROOT / source).exists(), source


def test_prometheus_scrapes_every_service_and_loads_the_chart_alerts(
    services: dict[str, dict[str, Any]],
) -> None:
    config = yaml.safe_load((ROOT / "deploy/compose/prometheus.yml").read_text(encoding="utf-8"))
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    targets = {t for sc in job["static_configs"] for t in sc["targets"]}
    assert targets == {f"{name}:8080" for name in SERVICES}
    volumes = services["prometheus"]["volumes"]
    assert "./deploy/helm/govmesh/files/alerts.yaml:/etc/prometheus/rules/govmesh.yml:ro" in volumes
    assert "/etc/prometheus/rules/*.yml" in config["rule_files"]
    assert depends_on(services["grafana"]) == {"prometheus": "service_healthy"}

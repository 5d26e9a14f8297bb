"""A service may only declare the topics the registry grants its principal."""

from __future__ import annotations

from pathlib import Path

import pytest

from govmesh.mesh.errors import AuthorityError
from govmesh.mesh.kafka import check_can_consume, check_can_produce
from govmesh.mesh.runtime import ServiceRuntime
from govmesh.mesh.settings import MeshSettings
from govmesh.mesh.signing import generate_keys
from govmesh.schemas import TOPICS, Principal

pytestmark = pytest.mark.unit


def test_service_configured_to_produce_to_an_unregistered_topic_fails_to_start(
    tmp_path: Path,
) -> None:
    generate_keys(tmp_path)
    settings = MeshSettings(principal=Principal.VALIDATOR, keys_dir=tmp_path)
    with pytest.raises(AuthorityError) as excinfo:
        ServiceRuntime(settings, produces=["proposals.validated", "jobs.requested"])
    assert str(excinfo.value) == (
        "principal 'validator' is not registered to produce to 'jobs.requested' "
        "(producers: ['contracts'])"
    )


def test_consuming_an_unregistered_topic_is_refused() -> None:
    with pytest.raises(AuthorityError, match=r"not registered to consume 'founder\.decisions'"):
        check_can_consume(Principal.EXECUTOR, ["founder.decisions"])


def test_unknown_topic_is_refused() -> None:
    with pytest.raises(AuthorityError, match="not in the topic registry"):
        check_can_produce(Principal.INGEST, ["issues.accepted.v2"])


@pytest.mark.parametrize("name", sorted(TOPICS))
def test_every_registered_producer_passes_the_startup_check(name: str) -> None:
    for principal in TOPICS[name].producers:
        check_can_produce(principal, [name])
    for principal in TOPICS[name].consumers:
        check_can_consume(principal, [name])


def test_only_health_may_write_health_and_only_executor_the_registry() -> None:
    assert TOPICS["health.signals"].producers == {Principal.HEALTH}
    assert TOPICS["registry.state"].producers == {Principal.EXECUTOR}
    assert TOPICS["crm.events"].producers == {Principal.CRM}

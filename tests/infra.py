"""Test infrastructure: a real broker and a real PostgreSQL, found or started.

Broker: GOVMESH_KAFKA_BOOTSTRAP, else testcontainers Kafka when a Docker engine answers,
else an embedded Tansu broker. Database: GOVMESH_DATABASE_URL, else testcontainers
PostgreSQL, else embedded PostgreSQL. Nothing here is a fake.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from govmesh.mesh.embedded import start_postgres, start_tansu
from govmesh.schemas import TOPICS


class TestEnv(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVMESH_", extra="ignore")

    kafka_bootstrap: str | None = None
    docker_host: str | None = Field(default=None, validation_alias="DOCKER_HOST")
    database_url: str | None = None


def docker_engine_answers() -> bool:
    import socket

    import docker

    env = TestEnv()
    if not env.docker_host:
        # Without DOCKER_HOST the client uses the local socket: no socket, no engine.
        with socket.socket(socket.AF_UNIX) as sock:
            try:
                sock.connect("/var/run/docker.sock")
            except OSError:
                return False
    try:
        client = docker.from_env(timeout=2)
    except docker.errors.DockerException:
        return False
    try:
        client.ping()
        return True
    except docker.errors.DockerException:
        return False
    finally:
        client.close()


@dataclass
class Broker:
    bootstrap: str
    schema_dir: Path | None

    def enable_schemas(self, prefix: str) -> bool:
        """Load the registry's JSON Schemas for this prefix's topics into the broker."""
        if self.schema_dir is None:
            return False
        from govmesh.schemas.jsonschema import topic_json_schema

        for spec in TOPICS.values():
            path = self.schema_dir / f"{prefix}{spec.name}.json"
            path.write_text(json.dumps(topic_json_schema(spec)))
        return True


@contextmanager
def broker(work: Path) -> Iterator[Broker]:
    env = TestEnv()
    if env.kafka_bootstrap:
        yield Broker(env.kafka_bootstrap, None)
        return
    if docker_engine_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer() as kafka:
            yield Broker(kafka.get_bootstrap_server(), None)
        return
    schema_dir = work / "schemas"
    schema_dir.mkdir(parents=True, exist_ok=True)
    embedded = start_tansu(work, schema_dir=schema_dir)
    try:
        yield Broker(embedded.bootstrap, schema_dir)
    finally:
        embedded.stop()


@contextmanager
def database(work: Path) -> Iterator[str]:
    env = TestEnv()
    if env.database_url:
        yield env.database_url
        return
    if docker_engine_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:17") as pg:
            yield pg.get_connection_url(driver=None)
        return
    embedded = start_postgres(work / "pgdata")
    try:
        yield embedded.url
    finally:
        embedded.stop()


def unique(prefix: str = "t") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"

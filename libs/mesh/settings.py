"""Settings from GOVMESH_* environment variables (pydantic-settings).

This is the only place that reads the environment; services subclass `MeshSettings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from govmesh.schemas import Principal


class MeshSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVMESH_", extra="ignore", frozen=True)

    principal: Principal
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    database_url: str | None = None
    #: The PostgreSQL role the service's connections run as (SET ROLE). A stateful
    #: service's role owns its schema and nothing else, so it cannot touch another
    #: service's tables. Default: the service's `db_schema`, if it has one.
    db_role: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    keys_dir: Path = Path(".govmesh/keys")
    topic_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9._\-]*$")
    dev_mode: bool = False
    #: How long the broker may hold a fetch that has no records yet. Kafka answers a
    #: held fetch as soon as records arrive; a broker that does not (the embedded Tansu
    #: answers only when the wait ends) adds up to this much latency per hop.
    fetch_max_wait_ms: int = Field(default=100, ge=1, le=5000)
    #: The same for the consumer-group consumers that carry work from hop to hop;
    #: `fetch_max_wait_ms` when unset. Views (group-less consumers) keep the former.
    work_fetch_max_wait_ms: int | None = Field(default=None, ge=1, le=5000)
    max_batch: int = Field(default=500, ge=1, le=10_000)
    #: How long the outbox relay lets rows gather before its next batch, only while
    #: rows keep arriving as it publishes: each batch costs a read, a publish and a
    #: mark however many rows it carries. An idle relay publishes a new row at once.
    outbox_linger_ms: int = Field(default=20, ge=0, le=1000)
    #: How long a published outbox row is kept. Within it an event emitted again with
    #: the same id (a re-run after a crash) is dropped by the outbox itself; after it,
    #: by the consumers' inboxes.
    outbox_retention_hours: float = Field(default=24.0, gt=0)
    #: How long a consumer remembers the event ids it processed: a redelivery older than
    #: this would be handled again, so keep it above the broker's retention and at least
    #: as long as `outbox_retention_hours`.
    inbox_retention_hours: float = Field(default=7 * 24.0, gt=0)
    #: How often a service deletes what has outlived those retentions.
    prune_interval_s: float = Field(default=600.0, gt=0)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=0, ge=0, le=65535)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _inbox_outlives_outbox(self) -> Self:
        if self.inbox_retention_hours < self.outbox_retention_hours:
            raise ValueError(
                "inbox_retention_hours must be at least outbox_retention_hours: an event "
                "emitted again after its outbox row is gone is dropped only by the inboxes"
            )
        return self

    def kafka_topic(self, logical: str) -> str:
        """The broker topic for a registry topic (a prefix isolates tests and tenants)."""
        return f"{self.topic_prefix}{logical}"

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection options shared by every aiokafka client of this service."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.kafka_bootstrap,
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_sasl_mechanism:
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            options["sasl_plain_username"] = self.kafka_sasl_username
            if self.kafka_sasl_password is not None:
                options["sasl_plain_password"] = self.kafka_sasl_password.get_secret_value()
        return options

    def fetch_wait_ms(self, *, work: bool) -> int:
        """The fetch wait of a work (consumer-group) consumer or of a view."""
        if work and self.work_fetch_max_wait_ms is not None:
            return self.work_fetch_max_wait_ms
        return self.fetch_max_wait_ms

    def database_role(self) -> str | None:
        """The role to connect as: `db_role`, else the service's own schema name."""
        schema = getattr(self, "db_schema", None)
        return self.db_role or (schema if isinstance(schema, str) else None)

    def require_database(self) -> str:
        if not self.database_url:
            from govmesh.mesh.errors import ConfigurationError

            raise ConfigurationError(
                f"GOVMESH_DATABASE_URL is required for the {self.principal.value} service"
            )
        return self.database_url

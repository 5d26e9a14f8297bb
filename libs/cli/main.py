"""`govmesh` command line: keys, migrations, schemas, and `up`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
keys_app = typer.Typer(no_args_is_help=True, help="Signing keys per principal.")
app.add_typer(keys_app, name="keys")


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


if __name__ == "__main__":
    app()

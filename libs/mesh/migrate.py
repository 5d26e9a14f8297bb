"""Running a service's Alembic migrations in its schema (a separate start-up step)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

_HERE = Path(__file__).parent / "migrations"


def upgrade(
    database_url: str,
    schema: str,
    version_dirs: list[Path] | None = None,
    *,
    role: str | None = None,
) -> None:
    """Bring `schema` to the newest revision of the runtime tables plus the service's own.

    With `role`, the role is created (NOLOGIN) if missing, owns the schema, and the
    migrations run as it, so it owns every table and function they create and nothing
    else (ARCHITECTURE: one schema and one role per stateful service).
    Blocking (Alembic's API is synchronous): call it from a thread inside an event loop.
    """
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    locations = [str(_HERE / "versions"), *(str(d) for d in version_dirs or [])]
    config.set_main_option("version_locations", " ".join(locations))
    config.set_main_option("path_separator", "space")
    config.attributes["schema"] = schema
    config.attributes["database_url"] = database_url
    config.attributes["role"] = role
    command.upgrade(config, "heads")

"""Alembic migrations, run programmatically by `flask --app app db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from app.models.search_index import TRIGRAM_INDEX, TRIGRAM_TABLE

HERE = Path(__file__).resolve().parent


def in_metadata(name: str | None, type_: str, _parent_names: object) -> bool:
    """Autogenerate's filter: leave out the search trigram index and SQLite's FTS5 table (and the
    shadow tables FTS5 keeps beside it), which migration 0002 creates by hand."""
    if type_ == "index":
        return name != TRIGRAM_INDEX
    if type_ == "table":
        return not (name or "").startswith(TRIGRAM_TABLE)
    return True


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)

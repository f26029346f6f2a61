"""Alembic migrations of the service's database, run where asked: by `newsvoice db upgrade`,
and by `serve` and `worker` as they start (`Store(url, migrate=True)`); every other command
refuses a database whose schema is not this version's. `alembic` itself works too, with
`-x url=...` (see env.py). A database made before migrations existed (newsvoice 0.1's
SQLite file) is recognised and upgraded from the schema it has.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, inspect, text

FIRST = "0001"
_ADVISORY_LOCK = 0x6E76  # any number the whole cluster agrees on: "nv"


def config() -> Config:
    alembic = Config()
    alembic.set_main_option("script_location", str(Path(__file__).parent))
    return alembic


def head() -> str:
    return ScriptDirectory.from_config(config()).get_current_head() or FIRST


def known(revision: str) -> bool:
    """Whether REVISION is one of this version's migrations (else a newer version made it)."""
    try:
        return ScriptDirectory.from_config(config()).get_revision(revision) is not None
    except CommandError:
        return False


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database up to REVISION. Servers and workers starting at once take turns."""
    alembic = config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
        alembic.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "articles" in tables and "alembic_version" not in tables:
            command.stamp(alembic, FIRST)  # made by 0.1, before migrations
        command.upgrade(alembic, revision)

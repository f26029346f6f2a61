"""The database itself: its URL, the engine for each backend, transactions, the schema's revision."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from ...errors import NewsvoiceError
from ..migrations import current, head, known, upgrade

UPGRADE = "newsvoice db upgrade"


class StoreError(NewsvoiceError):
    """The database cannot be reached or opened."""


class Database:
    """A connection pool to the service's database, shared by the store's parts (see `Store`)."""

    def __init__(self, url: str | Path, *, migrate: bool = False) -> None:
        """Open the database at URL: a SQLAlchemy URL such as `postgresql://host/db`, or the
        path of a SQLite file. Its schema must be this newsvoice's (else a StoreError says to
        run `newsvoice db upgrade`), unless MIGRATE: then it is created or upgraded first. Only
        `serve`, `worker` and `db upgrade` migrate; no other command changes the schema."""
        self.url = database_url(url)
        if not migrate and _missing(self.url):
            raise StoreError(f"there is no database at {_place(self.url)}: run `{UPGRADE}` to create it")
        self.engine = _engine(self.url, create=migrate)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.changes = 0
        """Counts this process's writes, so that pages built from the store can be cached."""
        self._lock = threading.Lock()
        try:
            with _reporting(self.engine):
                _check(self.engine, self.url, upgrading=migrate)
                if migrate:
                    upgrade(self.engine)
        except BaseException:
            self.engine.dispose()
            raise

    @contextlib.contextmanager
    def transaction(self, counted: bool = True) -> Iterator[Connection]:
        """A transaction; COUNTED (the default) unless it only keeps jobs' and feeds' books
        (leases, progress, hand-overs), which no cached page shows."""
        with self.engine.begin() as db:
            yield db
        if counted:
            with self._lock:
                self.changes += 1

    def read(self) -> Connection:
        """A connection for reads (autocommit)."""
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        self.engine.dispose()


def database_url(url: str | Path) -> str:
    """A SQLAlchemy URL for URL: a path is a SQLite file; PostgreSQL is spoken through psycopg 3."""
    if isinstance(url, Path) or "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url} (postgresql://HOST/DATABASE, or a file path)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("postgresql", "sqlite"):
        raise StoreError(f"{parsed.get_backend_name()}: newsvoice keeps its data in SQLite or PostgreSQL")
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str | Path) -> str:
    """URL as it may be shown or logged: without its password."""
    return make_url(database_url(url)).render_as_string(hide_password=True)


def schema_revision(url: str | Path) -> str | None:
    """The migration the database at URL is at (None: an empty database, or no SQLite file),
    without creating or upgrading it."""
    url = database_url(url)
    if _missing(url):
        return None
    engine = _engine(url)
    try:
        with _reporting(engine):
            return current(engine)
    finally:
        engine.dispose()


def upgrade_schema(url: str | Path) -> str:
    """Create the database at URL, or bring it up to this newsvoice's schema (`newsvoice db
    upgrade`): the revision it is at now."""
    database = Database(url, migrate=True)
    try:
        with _reporting(database.engine):
            return current(database.engine) or ""
    finally:
        database.close()


def newest_revision() -> str:
    """The schema revision this newsvoice needs."""
    return head()


def new_id() -> str:
    """A new row's id: random, short, and safe in URLs."""
    return secrets.token_urlsafe(9)


def _check(engine: Engine, url: str, upgrading: bool) -> None:
    """Refuse a database whose schema is not this newsvoice's: newer (made by a later version)
    or, unless UPGRADING it, older or missing."""
    revision, needed = current(engine), head()
    if revision == needed:
        return
    if revision is not None and not known(revision):
        raise StoreError(
            f"the database at {_place(url)} is at revision {revision}, which this newsvoice does not"
            f" know (it needs {needed}): it was upgraded by a newer newsvoice"
        )
    if not upgrading:
        raise StoreError(
            f"the database at {_place(url)} is at revision {revision or 'none'}, this newsvoice"
            f" needs {needed}: run `{UPGRADE}`"
        )


def _missing(url: str) -> bool:
    """Whether URL is a SQLite file that does not exist (opening it would create it)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists()


def _place(url: str) -> str:
    """Where the database at URL is, as shown to people: a SQLite file's path, else its URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ""
    return shown_url(url)


@contextlib.contextmanager
def _reporting(engine: Engine) -> Iterator[None]:
    try:
        yield
    except (OperationalError, InterfaceError) as error:  # down, refused, unknown database
        raise StoreError(
            f"cannot open the database {engine.url}: {' '.join(str(error.orig).split())}"
        ) from None


def _engine(url: str, create: bool = False) -> Engine:
    """An engine for URL; CREATE makes a SQLite file's directory (connecting makes the file)."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if create:
        Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_size=8, max_overflow=32, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _configure(connection, _record) -> None:
        connection.isolation_level = None  # transactions are begun below, not by the driver
        connection.execute("PRAGMA journal_mode = WAL")  # readers never wait for the writer
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # Take the write lock at once: two transactions that read, then write, would otherwise
        # deadlock on the upgrade from a read lock.
        if not connection.get_execution_options().get("isolation_level"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine

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
from ..migrations import current, upgrade


class StoreError(NewsvoiceError):
    """The database cannot be reached or opened."""


class Database:
    """A connection pool to the service's database, shared by the store's parts (see `Store`)."""

    def __init__(self, url: str | Path) -> None:
        """Open (and create or upgrade) the database at URL: a SQLAlchemy URL such as
        `postgresql://host/db`, or the path of a SQLite file."""
        self.url = database_url(url)
        self.engine = _engine(self.url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.changes = 0
        """Counts this process's writes, so that pages built from the store can be cached."""
        self._lock = threading.Lock()
        with _reporting(self.engine):
            upgrade(self.engine)

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
    """The migration the database at URL is at (None: an empty database), without upgrading it."""
    engine = _engine(database_url(url))
    with _reporting(engine):
        return current(engine)


def new_id() -> str:
    """A new row's id: random, short, and safe in URLs."""
    return secrets.token_urlsafe(9)


@contextlib.contextmanager
def _reporting(engine: Engine) -> Iterator[None]:
    try:
        yield
    except (OperationalError, InterfaceError) as error:  # down, refused, unknown database
        raise StoreError(f"cannot open the database {engine.url}: {error.orig}") from None


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
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

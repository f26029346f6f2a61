"""Settings of `newsvoice serve`: command-line options over environment variables over the
config file's `[serve]` table over the defaults.

Every command that touches the service's state (serve, worker, keys, watch, watches, unwatch,
backfill, db) reads them here, so that all find the same data directory and database. A
relative data_dir or storage is relative to the working directory when given as an option or
in the environment, and to the config file's directory when given there.

    [serve]                                   # in ~/.config/newsvoice/config.toml
    host = "0.0.0.0"                          # NEWSVOICE_HOST
    port = 8000                               # NEWSVOICE_PORT
    data_dir = "/srv/newsvoice"               # NEWSVOICE_DATA_DIR: SQLite database and audio files
    base_url = "https://listen.example.com"   # NEWSVOICE_BASE_URL: public address, for feeds and embeds
    workers = 1                               # NEWSVOICE_WORKERS: narrations at once
    allow = ["10.1.2.0/24", "cms.internal"]   # NEWSVOICE_ALLOW (comma-separated): private hosts to fetch
    max_body = 5242880                        # NEWSVOICE_MAX_BODY: request body limit, bytes
    title = "Example News, read aloud"        # NEWSVOICE_TITLE: the podcast feed's title
    bitrate = 64                              # NEWSVOICE_BITRATE: MP3 kbit/s
    database = "postgresql://db/newsvoice"    # NEWSVOICE_DATABASE: default, SQLite in data_dir
    queue = "redis://redis:6379/0"            # NEWSVOICE_QUEUE: default, threads in the server
    storage = "/mnt/newsvoice"                # NEWSVOICE_STORAGE: audio and segment cache (shared)
    cache_size = "2GB"                        # NEWSVOICE_CACHE_SIZE: segment cache limit
    opus = true                               # NEWSVOICE_OPUS: an Opus file beside the MP3
    webhook_secrets = ["s3cret"]              # NEWSVOICE_WEBHOOK_SECRETS (comma-separated)
    attempts = 3                              # NEWSVOICE_ATTEMPTS: tries before a job fails
    lease = 60                                # NEWSVOICE_LEASE: seconds a dead worker holds a job
    backoff = 30                              # NEWSVOICE_BACKOFF: seconds before a first retry
    access_log = "quiet"                      # NEWSVOICE_ACCESS_LOG: quiet (no job polling), all, off
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ..config import Config, ConfigError, parse_size
from ..logs import ACCESS_LOGS, AccessLog
from .store import shown_url

ENVIRONMENT_PREFIX = "NEWSVOICE_"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("newsvoice")) / "server"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str | None = None
    """The service's public address; by default, the address each request was made to."""
    workers: int = 1
    """Narrations run at once. One uses every core; more only help on many-core machines."""
    allow: tuple[str, ...] = ()
    """Hosts, addresses and networks (CIDR) that submitted URLs may reach although private."""
    max_body: int = 5 * 1024 * 1024
    title: str = "newsvoice"
    bitrate: int = 64
    database: str | None = None
    """A database URL (postgresql://...); by default a SQLite file in the data directory."""
    queue: str | None = None
    """A Redis URL: jobs go to `newsvoice worker` processes through it instead of threads here."""
    storage: Path | None = None
    """Where audio and the segment cache live (a directory every worker shares); default data_dir."""
    cache_size: int = 2 * 1000**3
    opus: bool = True
    """Make an Opus file beside the MP3 (it costs a third more CPU than MP3 alone)."""
    webhook_secrets: tuple[str, ...] = ()
    attempts: int = 3
    """Tries of a job (its worker failed or died) before it fails for good."""
    lease: float = 60.0
    """Seconds a worker holds a job without renewing it; then it is taken to have died."""
    backoff: float = 30.0
    """Seconds before a failed job's first retry; each further retry waits twice as long."""
    access_log: AccessLog = "quiet"
    """uvicorn's access log: "quiet" leaves out job polling and static assets, "all", "off"."""

    @property
    def store_url(self) -> str:
        return self.database or str(self.data_dir / "newsvoice.sqlite3")

    @property
    def store_shown(self) -> str:
        """Where the database is, as shown to people: the data directory, or the database's URL
        without its password."""
        return shown_url(self.database) if self.database else str(self.data_dir)

    @property
    def store_option(self) -> str:
        """The option that gives another command this database: --data-dir DIR or --database URL."""
        return f"{'--database' if self.database else '--data-dir'} {self.store_shown}"

    @property
    def state(self) -> str:
        """Where the database and the files are, as shown to people."""
        files = self.storage or (self.data_dir if self.database else None)
        return f"{self.store_shown}, files in {files}" if files else self.store_shown

    @property
    def audio_dir(self) -> Path:
        return (self.storage or self.data_dir) / "audio"

    @property
    def cache_dir(self) -> Path:
        return (self.storage or self.data_dir) / "segments"

    def audio_file(self, article_id: str, version: str | None, extension: str) -> Path:
        """Where a version of an article's narration is (VERSION: the job that made it; None for
        audio made before versions): .mp3, .opus, .vtt (transcript), .json (timings)."""
        if version is None:
            return self.audio_dir / f"{article_id}.{extension}"
        return self.audio_dir / article_id / f"{version}.{extension}"


def _names(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("a list of names")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).strip().lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError("true or false")


def _within(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        number = int(value)
        if isinstance(value, bool) or not low <= number <= high:
            raise ValueError(f"not between {low} and {high}")
        return number

    return convert


def _access_log(value: Any) -> AccessLog:
    if value not in ACCESS_LOGS:
        raise ValueError(f"not one of {', '.join(ACCESS_LOGS)}")
    return value


def _directory(value: Any) -> Path:
    return Path(value).expanduser().absolute()


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "data_dir": _directory,
    "host": str,
    "port": _within(0, 65535),
    "base_url": lambda value: str(value).rstrip("/") or None,
    "workers": _within(1, 64),
    "allow": _names,
    "max_body": _within(1, 1 << 31),
    "title": str,
    "bitrate": _within(8, 320),
    "database": lambda value: str(value) or None,
    "queue": lambda value: str(value) or None,
    "storage": _directory,
    "cache_size": lambda value: parse_size(str(value)),
    "webhook_secrets": _names,
    "opus": lambda value: _boolean(value),
    "attempts": _within(1, 100),
    "lease": _within(1, 86400),
    "backoff": _within(0, 86400),
    "access_log": _access_log,
}
_PATHS = ("data_dir", "storage")


def load_settings(config: Config, environ: Mapping[str, str], **options: Any) -> Settings:
    """Settings from OPTIONS (None: not given), else ENVIRON, else the config file, else defaults."""
    if not isinstance(config.serve, dict):
        raise ConfigError("config: [serve] must be a table")
    unknown = set(config.serve) - set(_CONVERT)
    if unknown:
        raise ConfigError(f"config: unknown [serve] settings: {', '.join(sorted(unknown))}")
    values: dict[str, tuple[str, Any]] = {
        name: ("config [serve]", _anchored(config, name, value)) for name, value in config.serve.items()
    }
    for name in _CONVERT:
        if (variable := ENVIRONMENT_PREFIX + name.upper()) in environ:
            values[name] = (variable, environ[variable])
        if options.get(name) is not None:
            values[name] = (f"--{name.replace('_', '-')}", options[name])
    converted = {}
    for name, (origin, value) in values.items():
        try:
            converted[name] = _CONVERT[name](value)
        except (TypeError, ValueError, ConfigError):
            raise ConfigError(f"{origin}: invalid {name} {value!r}") from None
    return dataclasses.replace(Settings(), **converted)


def _anchored(config: Config, name: str, value: Any) -> Any:
    """A relative path in the config file, taken as relative to the file's directory."""
    if name in _PATHS and isinstance(value, str) and config.directory:
        return config.directory / Path(value).expanduser()
    return value

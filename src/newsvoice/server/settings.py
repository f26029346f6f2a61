"""Settings of `newsvoice serve`: command-line options over environment variables over the
config file's `[serve]` table over the defaults.

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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ..config import Config, ConfigError

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

    @property
    def database(self) -> Path:
        return self.data_dir / "newsvoice.sqlite3"

    @property
    def audio_dir(self) -> Path:
        return self.data_dir / "audio"

    def audio_file(self, article_id: str, extension: str) -> Path:
        """Where an article's narration is: .mp3, .opus, .vtt (transcript), .json (timings)."""
        return self.audio_dir / f"{article_id}.{extension}"


def _names(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError("a list of names")
    return tuple(str(item).strip() for item in items if str(item).strip())


def _within(low: int, high: int) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        number = int(value)
        if isinstance(value, bool) or not low <= number <= high:
            raise ValueError(f"not between {low} and {high}")
        return number

    return convert


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "data_dir": lambda value: Path(value).expanduser(),
    "host": str,
    "port": _within(0, 65535),
    "base_url": lambda value: str(value).rstrip("/") or None,
    "workers": _within(1, 64),
    "allow": _names,
    "max_body": _within(1, 1 << 31),
    "title": str,
    "bitrate": _within(8, 320),
}


def load_settings(config: Config, environ: Mapping[str, str], **options: Any) -> Settings:
    """Settings from OPTIONS (None: not given), else ENVIRON, else the config file, else defaults."""
    if not isinstance(config.serve, dict):
        raise ConfigError("config: [serve] must be a table")
    unknown = set(config.serve) - set(_CONVERT)
    if unknown:
        raise ConfigError(f"config: unknown [serve] settings: {', '.join(sorted(unknown))}")
    values: dict[str, tuple[str, Any]] = {
        name: ("config [serve]", value) for name, value in config.serve.items()
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
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: invalid {name} {value!r}") from None
    return dataclasses.replace(Settings(), **converted)

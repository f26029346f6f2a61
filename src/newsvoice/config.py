"""Settings from the config file: TOML at $NEWSVOICE_CONFIG or the user config directory.

# ~/.config/newsvoice/config.toml
lexicon = "/srv/newsroom/lexicon.toml"   # the publisher's lexicon; `newsvoice lexicon` edits it
voice = "en_US-joe-medium"               # a voice name or a path to a Piper .onnx

[serve]                                  # `newsvoice serve` (see newsvoice.server.settings)
port = 8000

[cache]                                  # synthesized segments (see newsvoice.cache)
dir = "/var/cache/newsvoice"             # default: ~/.cache/newsvoice/segments
max_size = "2GB"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import NewsvoiceError

CONFIG_ENVIRONMENT = "NEWSVOICE_CONFIG"


class ConfigError(NewsvoiceError):
    """A config file or a setting that cannot be read."""


@dataclass(frozen=True)
class Config:
    lexicon: Path
    """The user's or publisher's lexicon, laid over the default one."""
    voice: str | None = None
    serve: dict[str, Any] = field(default_factory=dict)
    """The `[serve]` table: settings of `newsvoice serve`."""
    cache_dir: Path | None = None
    """The `[cache]` table's `dir`: where synthesized segments are kept."""
    cache_max_bytes: int | None = None
    """The `[cache]` table's `max_size`, in bytes."""
    directory: Path | None = None
    """The config file's directory: relative paths in it are relative to it."""


def config_path() -> Path:
    if configured := os.environ.get(CONFIG_ENVIRONMENT):
        return Path(configured)
    return Path(platformdirs.user_config_dir("newsvoice")) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read config ({error})") from None
    unknown = set(data) - {"lexicon", "voice", "serve", "cache"}
    if unknown:
        raise ConfigError(f"{path}: unknown settings: {', '.join(sorted(unknown))}")
    lexicon = data.get("lexicon")
    default_lexicon = Path(platformdirs.user_config_dir("newsvoice")) / "lexicon.toml"
    cache_dir, cache_max_bytes = _cache_settings(data.get("cache", {}), path)
    return Config(
        lexicon=(path.parent / Path(lexicon).expanduser()) if lexicon else default_lexicon,
        voice=data.get("voice"),
        serve=data.get("serve", {}),
        cache_dir=cache_dir,
        cache_max_bytes=cache_max_bytes,
        directory=path.parent,
    )


def _cache_settings(table: dict[str, Any], path: Path) -> tuple[Path | None, int | None]:
    unknown = set(table) - {"dir", "max_size"}
    if unknown:
        raise ConfigError(f"{path}: unknown [cache] settings: {', '.join(sorted(unknown))}")
    directory, size = table.get("dir"), table.get("max_size")
    try:
        max_bytes = parse_size(str(size)) if size is not None else None
    except ConfigError as error:
        raise ConfigError(f"{path}: [cache] max_size: {error}") from None
    return (path.parent / Path(str(directory)).expanduser() if directory else None), max_bytes


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)b?|b)?", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes in a size such as "2GB", "500 MB", "1.5GiB" or "1000000": KB, MB, GB and TB
    (or K, M, G, T) are powers of 1000, KiB, MiB, GiB and TiB powers of 1024."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise ConfigError(f"not a size: {text!r} (use bytes, or a size such as 500MB or 2GB)")
    number, prefix, binary = match.groups()
    power = " kmgt".index(prefix.lower()) if prefix else 0
    return int(float(number) * (1024 if binary else 1000) ** power)

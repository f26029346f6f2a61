"""Settings from the config file: TOML at $NEWSVOICE_CONFIG or the user config directory.

# ~/.config/newsvoice/config.toml
lexicon = "/srv/newsroom/lexicon.toml"   # the publisher's lexicon; `newsvoice lexicon` edits it
voice = "en_US-joe-medium"               # a voice name or a path to a Piper .onnx

[serve]                                  # `newsvoice serve` (see newsvoice.server.settings)
port = 8000
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .errors import NewsvoiceError

CONFIG_ENVIRONMENT = "NEWSVOICE_CONFIG"


class ConfigError(NewsvoiceError):
    """A config file that cannot be read."""


@dataclass(frozen=True)
class Config:
    lexicon: Path
    """The user's or publisher's lexicon, laid over the default one."""
    voice: str | None = None
    serve: dict[str, Any] = field(default_factory=dict)
    """The `[serve]` table: settings of `newsvoice serve`."""


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
    unknown = set(data) - {"lexicon", "voice", "serve"}
    if unknown:
        raise ConfigError(f"{path}: unknown settings: {', '.join(sorted(unknown))}")
    lexicon = data.get("lexicon")
    default_lexicon = Path(platformdirs.user_config_dir("newsvoice")) / "lexicon.toml"
    return Config(
        lexicon=(path.parent / Path(lexicon).expanduser()) if lexicon else default_lexicon,
        voice=data.get("voice"),
        serve=data.get("serve", {}),
    )

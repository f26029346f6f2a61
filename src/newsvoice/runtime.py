"""The runtime: what a process narrates with, built once from the settings by `build_runtime`.

Every command and process builds it the same way (`narrate`, `script`, `check`, `serve`,
`worker`, `watch`, `backfill`), so the voice for an article's language, the lexicon's layers,
the normalizer and the segment cache are the same everywhere: a lexicon entry an editor adds
is said by a `newsvoice worker` on another machine as it is by `narrate`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import platformdirs

from .cache import SegmentCache
from .lexicon import Lexicon, load_lexicon
from .normalization import Normalizer
from .settings import PipelineSettings, ServiceSettings, Settings, load_settings
from .voice import Speaker, load_voice, voice_for_language


class Runtime:
    """The settings, and the parts of the pipeline they make, each made once and shared."""

    def __init__(
        self,
        settings: Settings,
        *,
        service: bool = False,
        normalizer: Normalizer | None = None,
        threads: int | None = None,
    ) -> None:
        self.settings = settings
        self.for_service = service
        """A process of the service (`serve`, `worker`, ...), rather than of `narrate` and the like."""
        self.lexicon: Lexicon = load_lexicon([settings.pipeline.lexicon, *settings.pipeline.lexicons])
        self.normalizer = normalizer or Normalizer(lexicon=self.lexicon)
        self.threads = threads
        """Inference threads of each voice (None: one a core)."""
        self._cache: SegmentCache | None = None
        self._lock = threading.Lock()

    @property
    def pipeline(self) -> PipelineSettings:
        return self.settings.pipeline

    @property
    def service(self) -> ServiceSettings:
        return self.settings.service

    def voice(self, language: str | None = None, preferred: str | None = None) -> Speaker:
        """The voice for an article in LANGUAGE: PREFERRED (an installed voice's name: a site's),
        else the one configured for the language (`language_voices`), else the configured one if
        it speaks it (or one of its engine that speaks the language's regional variety, "en-GB"),
        else an installed one that does (`LanguageError` if none does). Each is loaded once a
        process."""
        named = preferred or self.pipeline.language_voice(language)
        chosen = voice_for_language(language, named or self.pipeline.voice, variety=not named)
        return load_voice(chosen.path, self.threads)

    def named_voice(self, name: str) -> Speaker:
        """The installed voice NAME (an article's own choice, whatever its language)."""
        return load_voice(name, self.threads)

    @property
    def cache(self) -> SegmentCache:
        """The segment cache, made on first use."""
        with self._lock:
            if self._cache is None:
                self._cache = SegmentCache(self.cache_dir, self.pipeline.cache_size)
            return self._cache

    @property
    def cache_dir(self) -> Path:
        if self.pipeline.cache_dir:
            return self.pipeline.cache_dir
        if self.for_service:  # in the storage that every worker shares
            return self.service.segments_dir
        return Path(platformdirs.user_cache_dir("newsvoice")) / "segments"


def build_runtime(
    settings: Settings | None = None,
    *,
    service: bool = False,
    normalizer: Normalizer | None = None,
    threads: int | None = None,
) -> Runtime:
    """The runtime for SETTINGS (default: those in force, see `load_settings`); SERVICE for the
    processes of the service. NORMALIZER: one already loaded, to share (tests do)."""
    return Runtime(settings or load_settings(), service=service, normalizer=normalizer, threads=threads)

"""The `newsvoice` command: a thin shell over the library."""

from __future__ import annotations

import dataclasses
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import DiskFullError, NewsvoiceError, is_disk_full
from .logs import ACCESS_LOGS, LOG_FORMATS, LogFormat, adopt, configure, uvicorn_config
from .settings import ENVIRONMENT_PREFIX, Settings, describe, load_settings, parse_size
from .times import iso

if TYPE_CHECKING:
    from tqdm import tqdm

    from .backfill import BackfillReport
    from .newsroom import Newsroom
    from .runtime import Runtime
    from .server.watcher import FeedReport

log = logging.getLogger(__name__)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, taken as Ctrl-C is: what was being written is removed, and the command ends."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one does not cut the cleanup short
    raise _Terminated


class _Group(click.Group):
    """Errors newsvoice expects become one line on stderr and exit status 1, never a traceback;
    so do the system's (a full disk). Ctrl-C and SIGTERM leave nothing half-written: exit status
    130 and 143 (128 and the signal's number)."""

    def invoke(self, ctx: click.Context):
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
        try:
            return super().invoke(ctx)
        except NewsvoiceError as error:
            click.echo(f"newsvoice: error: {error}", err=True)
            ctx.exit(1)
        except OSError as error:
            click.echo(f"newsvoice: error: {_system_error(error)}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as interrupt:
            click.echo("newsvoice: interrupted; nothing was written", err=True)
            ctx.exit(128 + signal.SIGTERM if isinstance(interrupt, _Terminated) else 130)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _system_error(error: OSError) -> str:
    """The one line for an error of the system that no part of newsvoice said better."""
    if is_disk_full(error):
        return str(DiskFullError.at(Path(error.filename).parent if error.filename else Path.cwd()))
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or error}"


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="newsvoice")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for debugging.")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    envvar="NEWSVOICE_LOG_FORMAT",
    show_default=True,
    help="Logs as text, or as one JSON object a line for log shippers (NEWSVOICE_LOG_FORMAT).",
)
def main(verbose: bool, log_format: LogFormat) -> None:
    """Narrate news articles with a local neural voice."""
    configure(log_format, verbose)


def _log_format() -> LogFormat:
    return click.get_current_context().find_root().params.get("log_format", "text")


def _note(message: str, **fields: Any) -> None:
    """MESSAGE on stderr for the user; in JSON logs, a log record like the others (with FIELDS)."""
    if _log_format() == "json":
        log.info(message, extra=fields)
    else:
        click.echo(f"newsvoice: {message}", err=True)


def _setting(name: str, *flags: str, help: str | None = None, **extra: Any) -> Callable:
    """The option that sets the setting NAME: its help is the setting's own description, and
    its value is checked with the setting's (so a bad one names this option)."""
    section, description = describe(name)
    variable = f"{ENVIRONMENT_PREFIX}{name.upper()}"
    flags = flags or (f"--{name.replace('_', '-')}",)
    kind = section.model_fields[name].annotation
    if kind in (int, float):  # checked here as a number; its range is the setting's to check
        extra.setdefault("type", kind)
    text = f"{(help or description).rstrip('.')} ({variable})."
    return click.option(*flags, name, default=None, help=text, **extra)


def _paths(**kind: bool) -> click.Path:
    return click.Path(path_type=Path, **kind)


_lexicon_option = _setting(
    "lexicons",
    "--lexicon",
    multiple=True,
    type=_paths(dir_okay=False),
    help="A pronunciation lexicon (TOML) laid over the default and the configured one; repeatable",
)


def _given(**options: Any) -> dict[str, Any]:
    """The options given on the command line (an option not given is None; a repeatable one, ())."""
    return {name: value for name, value in options.items() if value not in (None, ())}


@main.command()
@click.argument("source")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Audio file to write: .mp3, .opus, .ogg or .wav. A .vtt and a .json go beside it.",
)
@_setting(
    "voice",
    help="A voice's name (`newsvoice voices`: joe, kokoro:af_heart) or the path to a Piper `.onnx` "
    "or a Kokoro `.bin`: it reads the article "
    "even in another language, with a warning; by default the configured voice if it speaks the "
    "article's language, else an installed one that does",
)
@_setting("bitrate")
@_setting("disclosure")
@click.option("--no-disclosure", is_flag=True, help="Leave out the AI-voice disclosure.")
@_setting("max_words")
@_lexicon_option
@click.option("--no-cache", is_flag=True, help="Synthesize every segment, without the segment cache.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary.")
def narrate(
    source: str,
    output: Path,
    voice: str | None,
    bitrate: str | None,
    disclosure: str | None,
    no_disclosure: bool,
    max_words: int | None,
    lexicons: tuple[Path, ...],
    no_cache: bool,
    quiet: bool,
) -> None:
    """Narrate SOURCE (a URL, an .html or .txt file, or - for stdin) into OUTPUT."""
    from .narrate import load_article
    from .narrate import narrate as run
    from .voice import load_voice

    disclosure = "" if no_disclosure else disclosure
    runtime = _runtime(
        voice=voice, bitrate=bitrate, disclosure=disclosure, max_words=max_words, lexicons=lexicons
    )
    article = load_article(source, max_words=runtime.pipeline.max_words)  # before loading a voice
    loaded = load_voice(voice) if voice else _voice(runtime, article.language)  # --voice forces one
    show_progress = not quiet and sys.stderr.isatty()
    with _progress_bar(show_progress) as progress:
        narration = run(
            article,
            output,
            voice=loaded,
            normalizer=runtime.normalizer,
            bitrate=runtime.pipeline.bitrate,
            disclosure=runtime.pipeline.disclosure or None,
            intro=runtime.pipeline.intro,
            max_words=runtime.pipeline.max_words,
            progress=progress,
            cache=None if no_cache else runtime.cache,
        )
    for warning in narration.warnings:
        click.echo(f"newsvoice: warning: {warning}", err=True)
    if not quiet:
        if narration.reused:
            cached = f"{narration.reused} of {len(narration.segments)} segments"
            click.echo(f"newsvoice: {cached} from the segment cache", err=True)
        minutes, seconds = divmod(round(narration.duration), 60)
        chapters = len(narration.chapters)
        click.echo(
            f"{narration.path} ({minutes}:{seconds:02d}, {len(narration.segments)} segments, "
            f"{chapters} chapter{'' if chapters == 1 else 's'})"
        )
        click.echo(f"{narration.transcript_path}\n{narration.timings_path}")


@main.command()
@click.argument("source")
@_lexicon_option
@click.option("--json", "as_json", is_flag=True, help="The script as JSON, one object a segment.")
def script(source: str, lexicons: tuple[Path, ...], as_json: bool) -> None:
    """Print the speech script of SOURCE for review: each segment's kind and written text, and
    what the voice says where that differs."""
    from .narrate import load_article
    from .script import write_script

    runtime = _runtime(lexicons=lexicons)
    article = load_article(source)
    disclosure = runtime.pipeline.disclosure or None
    speak = runtime.normalizer.speaker(article.language)
    written = write_script(article, speak, disclosure, intro=runtime.pipeline.intro)
    for warning in written.warnings:
        click.echo(f"newsvoice: warning: {warning}", err=True)
    width = len(str(len(written.segments)))
    for number, segment in enumerate(written.segments, start=1):
        if as_json:
            click.echo(json.dumps({"kind": segment.kind, "text": segment.text, "spoken": segment.spoken,
                                   "pause": segment.pause}, ensure_ascii=False))  # fmt: skip
            continue
        click.echo(f"{number:>{width}}  {segment.kind:<10}  {segment.text}")
        if segment.spoken != segment.text:
            click.echo(f"{'':>{width}}  {'says':>10}  {segment.spoken}")


@main.command()
@click.argument("source")
@_lexicon_option
@_setting("voice", help="The voice to check against; by default the configured one")
@click.option(
    "--accept",
    "accepted",
    multiple=True,
    metavar="WORD",
    help="Write the suggestion for WORD into the lexicon file; repeatable.",
)
@click.option("--accept-all", is_flag=True, help="Write every suggestion into the lexicon file.")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The lexicon file suggestions are accepted into (default: the configured user lexicon).",
)
def check(
    source: str,
    lexicons: tuple[Path, ...],
    voice: str | None,
    accepted: tuple[str, ...],
    accept_all: bool,
    path: Path | None,
) -> None:
    """List the words of SOURCE the voice is most likely to mispronounce.

    These are rare names and unknown words that the voice guesses from their spelling and
    the lexicon does not cover, with how the voice says them now, where they occur and,
    where a spelling rule applies, a respelling to try. --accept WORD (or --accept-all)
    writes a suggestion into the lexicon.
    """
    from .lexicon import Lexicon, LexiconError, read_lexicon, write_lexicon
    from .narrate import load_article
    from .pronunciation import check_script
    from .script import write_script

    runtime = _runtime(voice=voice, lexicons=lexicons)
    article = load_article(source)
    written = write_script(article, runtime.normalizer.normalize, runtime.pipeline.disclosure or None)
    findings = check_script(written, _voice(runtime, article.language), runtime.lexicon)
    if accepted or accept_all:
        suggested = {finding.word: finding.suggestion for finding in findings if finding.suggestion}
        missing = [word for word in accepted if word not in suggested]
        if missing:
            raise LexiconError(f"no suggestion for {', '.join(missing)}: add it with `newsvoice lexicon add`")
        chosen = {word: suggested[word] for word in (suggested if accept_all else accepted)}
        path = path or runtime.pipeline.lexicon
        write_lexicon(path, Lexicon(chosen).over(read_lexicon(path)))
        for word, says in chosen.items():
            click.echo(f"{word} = {says!r} ({path})")
        return
    if not findings:
        click.echo("No words at risk: every rare word is in the lexicon.")
        return
    for finding in findings:
        where = ", ".join(map(str, finding.segments[:6])) + (" ..." if len(finding.segments) > 6 else "")
        click.echo(
            f"{finding.word:<16} {finding.risk:<8} x{finding.count:<3} /{finding.phonemes}/  segments {where}"
        )
        click.echo(f"{'':<16} {_shorten(finding.example, 90)}")
        if finding.suggestion:
            phonemes = finding.suggestion[2:-2]
            click.echo(f"{'':<16} try {finding.respelling} /{phonemes}/: --accept {finding.word}")
    suggestions = sum(finding.suggestion is not None for finding in findings)
    click.echo(
        f"\n{len(findings)} word{'s' if len(findings) != 1 else ''} to listen for, {suggestions} with a "
        "suggestion. Accept one with `newsvoice check SOURCE --accept WORD` (or --accept-all), or fix "
        "a word with `newsvoice lexicon add WORD RESPELLING` (or [[phonemes]]); see `newsvoice script` "
        "for the rest."
    )


@main.group()
def lexicon() -> None:
    """Edit the pronunciation lexicon (the configured one, or --file)."""


_lexicon_file_option = click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The lexicon file to edit (default: the configured user lexicon).",
)


@lexicon.command("add")
@click.argument("word")
@click.argument("says")
@_lexicon_file_option
def lexicon_add(word: str, says: str, path: Path | None) -> None:
    """Say WORD as SAYS: a respelling ("Hell-yer") or phonemes ("[[hˈɛljɚ]]")."""
    from .lexicon import Lexicon, read_lexicon, validate_entry, write_lexicon
    from .voice import voice_phonemes

    pipeline = load_settings().pipeline
    validate_entry(word, says, voice_phonemes(pipeline.voice))
    path = path or pipeline.lexicon
    current = read_lexicon(path)
    write_lexicon(path, Lexicon({word: says}).over(current))
    click.echo(f"{word} = {says!r} ({path})")


@lexicon.command("remove")
@click.argument("word")
@_lexicon_file_option
def lexicon_remove(word: str, path: Path | None) -> None:
    """Remove WORD from the lexicon file."""
    from .lexicon import Lexicon, LexiconError, read_lexicon, write_lexicon

    path = path or load_settings().pipeline.lexicon
    entries = dict(read_lexicon(path).entries)
    if entries.pop(word, None) is None:
        raise LexiconError(f"{word}: not in {path}")
    write_lexicon(path, Lexicon(entries))
    click.echo(f"removed {word} ({path})")


@lexicon.command("list")
@_lexicon_option
def lexicon_list(lexicons: tuple[Path, ...]) -> None:
    """List every entry in effect, the default lexicon's included, and where it comes from."""
    from .lexicon import default_lexicon, read_lexicon

    layers = [("default", default_lexicon())]
    pipeline = _runtime(lexicons=lexicons).pipeline
    layers += [(str(path), read_lexicon(path)) for path in (pipeline.lexicon, *pipeline.lexicons)]
    effective: dict[str, tuple[str, str]] = {}
    for name, layer in layers:
        effective.update({word: (says, name) for word, says in layer.entries.items()})
    for word in sorted(effective, key=str.lower):
        says, name = effective[word]
        click.echo(f"{word}\t{says}\t{name}")


@main.group()
def cache() -> None:
    """The segment cache of `narrate`: synthesized segments kept for narrating edited articles
    again (in the cache_dir setting, else the user cache directory)."""


@cache.command("stats")
@click.option("--json", "as_json", is_flag=True, help="As one JSON object.")
def cache_stats(as_json: bool) -> None:
    """Where the cache is, how full, and when it was used."""
    stats = _runtime().cache.stats()
    if as_json:
        used = {"oldest_use": iso(stats.oldest_use), "newest_use": iso(stats.newest_use)}
        click.echo(json.dumps({**dataclasses.asdict(stats), "directory": str(stats.directory), **used}))
        return
    share = f" ({stats.bytes / stats.max_bytes:.0%})" if stats.max_bytes else ""
    click.echo(stats.directory)
    click.echo(f"{_segments(stats.entries)}, {_size(stats.bytes)} of {_size(stats.max_bytes)}{share}")
    if stats.oldest_use is not None:
        click.echo(f"used from {iso(stats.oldest_use)} to {iso(stats.newest_use)}")


@cache.command("prune")
@click.option("--max-size", help="Evict down to this size (like 500MB) instead of the configured limit.")
def cache_prune(max_size: str | None) -> None:
    """Evict the least recently used segments down to the cache's limit."""
    segments = _runtime().cache
    removed = segments.prune(parse_size(max_size) if max_size is not None else None)
    left = segments.stats()
    gone = f"removed {_segments(removed.entries)} ({_size(removed.bytes)})"
    click.echo(f"{gone}; {_segments(left.entries)}, {_size(left.bytes)} left")


@cache.command("clear")
def cache_clear() -> None:
    """Remove every segment from the cache."""
    removed = _runtime().cache.clear()
    click.echo(f"removed {_segments(removed.entries)} ({_size(removed.bytes)})")


def _segments(count: int) -> str:
    return f"{count} segment{'' if count == 1 else 's'}"


def _size(count: float) -> str:
    """COUNT bytes for people: "512 B", "31.8 MB", "2.0 GB"."""
    for unit in ("B", "kB", "MB"):
        if count < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def _runtime(**options: Any):
    """The runtime of a narrating command, with the options given on its command line."""
    from .runtime import build_runtime

    return build_runtime(load_settings(**_given(**options)))


def _voice(runtime, language: str | None):
    """The voice for an article in LANGUAGE; none is an error (--voice forces one)."""
    from .errors import LanguageError

    try:
        return runtime.voice(language)
    except LanguageError as error:
        raise LanguageError(f"{error}, or read it anyway with --voice NAME") from None


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@main.command()
def voices() -> None:
    """List the installed voices of both engines (the default first): name, language, engine,
    sample rate and file."""
    from .voice import list_voices

    for index, info in enumerate(list_voices()):
        default = "  (default)" if index == 0 else ""
        click.echo(
            f"{info.name}\t{info.language}\t{info.engine}\t{info.sample_rate} Hz\t{info.path}{default}"
        )


Progress = Callable[[int, int], None]
"""Told how many of how many are done."""


class _progress_bar:
    """A tqdm bar (done of total, elapsed, ETA) when enabled; otherwise nothing."""

    def __init__(self, enabled: bool, description: str = "narrating", unit: str = "segment") -> None:
        self._enabled = enabled
        self._description = description
        self._unit = unit
        self._bar: tqdm[Any] | None = None

    def __enter__(self) -> Progress | None:
        return self.update if self._enabled else None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit=self._unit, desc=self._description, file=sys.stderr)
        self._bar.total = max(total, done)
        self._bar.update(done - self._bar.n)

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.close()


def _backend_options(command: Callable) -> Callable:
    """Where the service's state is: options shared by serve, worker, keys, watch, backfill, db."""
    options = [
        _setting("data_dir", type=_paths(file_okay=False)),
        _setting("database"),
        _setting("queue"),
        _setting("storage", type=_paths(file_okay=False)),
    ]
    for option in reversed(options):
        command = option(command)
    return command


_allow_option = _setting(
    "allow", multiple=True, help="A private host, address or network (CIDR) URLs may reach; repeatable"
)


def _settings(**options: Any) -> Settings:
    """The settings of a command of the service; every command that touches its state reads
    them here, and says where that state is (a key made in one data directory is unknown to a
    server on another)."""
    from .server.store import shown_url

    settings = load_settings(**_given(**options))
    service = settings.service
    where = {"data_dir": str(service.data_dir), "database": shown_url(service.store_url)}
    _note(f"data in {service.state}", **where)
    return settings


def _service_runtime(threads: int | None = None, **options: Any) -> Runtime:
    from .runtime import build_runtime

    return build_runtime(_settings(**options), service=True, threads=threads)


@contextmanager
def _newsroom(**options: Any) -> Iterator[Newsroom]:
    """The newsroom on the service's data, for a command's operations (see `newsvoice.newsroom`);
    it leaves the database's schema as it is (`db upgrade` changes it)."""
    from .newsroom import Newsroom

    with Newsroom.open(_service_runtime(**options)) as newsroom:
        yield newsroom


@main.command()
@_setting("host")
@_setting("port")
@_backend_options
@_setting("base_url")
@_setting("workers")
@_allow_option
@_setting("access_log", type=click.Choice(ACCESS_LOGS))
def serve(**options: Any) -> None:
    """Run the listening service: API, player, dashboard and podcast feeds.

    Settings come from these options, else NEWSVOICE_* environment variables, else the
    [service] table of the config file (see docs/configuration.md).
    """
    import uvicorn

    from .newsroom import Newsroom
    from .server import create_app
    from .server.app import warn_without_keys

    runtime = _service_runtime(**options)
    settings = runtime.service
    # Opened here, not in the app's startup: what cannot start (a database or queue out of
    # reach, a data directory another server narrates on) is one line, not uvicorn's traceback.
    with Newsroom.open(runtime, migrate=True) as newsroom:
        newsroom.start()
        warn_without_keys(newsroom)
        uvicorn.run(
            create_app(runtime, newsroom),
            host=settings.host,
            port=settings.port,
            log_level="info",
            log_config=uvicorn_config(_log_format(), settings.access_log),
            access_log=settings.access_log != "off",
        )


@main.group()
def keys() -> None:
    """API keys for the service's writes (submitting and deleting articles)."""


@keys.command("create")
@click.argument("name")
@_backend_options
def keys_create(name: str, **backend: Any) -> None:
    """Make a key for NAME (who or what uses it); the key is shown only this once.

    The key works for the servers on the same data directory or database (see --data-dir)."""
    with _newsroom(**backend) as newsroom:
        record, token = newsroom.create_key(name)
        where = newsroom.settings.store_shown
    click.echo(token)
    _note(f"key {record.id} ({record.name}) created in {where}; it is not shown again")


@keys.command("list")
@_backend_options
def keys_list(**backend: Any) -> None:
    """List the keys: id, name, first characters, created, and revoked if so."""
    with _newsroom(**backend) as newsroom:
        for key in newsroom.api_keys():
            revoked = f"\trevoked {iso(key.revoked)}" if key.revoked else ""
            click.echo(f"{key.id}\t{key.name}\t{key.prefix}…\t{iso(key.created)}{revoked}")


@keys.command("revoke")
@click.argument("key")
@_backend_options
def keys_revoke(key: str, **backend: Any) -> None:
    """Revoke KEY (its id or its name): it stops working at once."""
    with _newsroom(**backend) as newsroom:
        revoked = newsroom.revoke_key(key)
    click.echo(f"revoked key {revoked.id} ({revoked.name})")


@main.command()
@_backend_options
@click.option(
    "--threads",
    type=click.IntRange(1, 256),
    help="Inference threads (default: one a core; one a worker for several workers).",
)
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--name", help="The worker's name in the queue (default: host and process).")
def worker(threads: int | None, burst: bool, name: str | None, **backend: Any) -> None:
    """Narrate jobs from the Redis queue (--queue): start one or more a machine, with the same
    --database and --storage as the server."""
    from .server.worker import NEEDS_QUEUE, QueueError, shown_queue, work

    runtime = _service_runtime(threads=threads, **backend)
    queue = runtime.service.queue
    if not queue:
        raise QueueError(NEEDS_QUEUE)
    adopt("rq")  # RQ's warnings in our format, JSON included
    _note(f"worker on {shown_queue(queue)}")
    work(runtime, burst=burst, name=name)


@main.group()
def db() -> None:
    """The service's database schema (upgraded by itself when the service starts)."""


@db.command("upgrade")
@_backend_options
def db_upgrade(**backend: Any) -> None:
    """Create the database, or bring it up to this version's schema."""
    from .server.store import shown_url, upgrade_schema

    url = _settings(**backend).service.store_url
    revision = upgrade_schema(url)
    click.echo(f"{shown_url(url)}: at revision {revision}")


@db.command("current")
@_backend_options
def db_current(**backend: Any) -> None:
    """Show the database's schema revision, and this version's."""
    from .server.store import newest_revision, schema_revision, shown_url

    url = _settings(**backend).service.store_url
    click.echo(f"{shown_url(url)}: revision {schema_revision(url) or 'none'} (newest {newest_revision()})")


@main.command()
@click.argument("feed_url")
@click.option(
    "--interval", type=click.FloatRange(1), default=15, show_default=True, help="Minutes between polls."
)
@click.option("--tag", "tags", multiple=True, help="A tag for its articles' podcast feed; repeatable.")
@click.option("--once", is_flag=True, help="Poll once, narrate what is new or changed, and stop.")
@_allow_option
@_backend_options
def watch(
    feed_url: str, interval: float, tags: tuple[str, ...], once: bool, allow: tuple[str, ...], **backend: Any
) -> None:
    """Watch a publisher's RSS or Atom feed: narrate new items, and changed ones again.

    The feed is kept with the service's data, so `newsvoice serve` goes on polling it. This
    command polls it (and the other watched feeds) until stopped, narrating here unless a
    --queue hands the narrations to workers.
    """
    import time

    with _newsroom(allow=allow, **backend) as newsroom:
        known = any(feed.url == feed_url for feed in newsroom.feeds())
        feed = newsroom.watch(feed_url, interval=interval * 60, tags=tags)
        _note(f"watching {feed.url} every {interval:g} min (id {feed.id})")
        newsroom.start(watching=False)
        if once:
            report = newsroom.poll(feed.id)
            if report.error:  # nothing was queued; the error is the whole answer
                if not known:  # a mistyped address is not kept on the list
                    newsroom.unwatch(feed.id)
                raise NewsvoiceError(report.error)
            _report(report)
            _wait_for_narrations(newsroom)
            return
        while True:
            for report in newsroom.poll_due():
                _report(report)
            time.sleep(5)


def _report(report: FeedReport) -> None:
    """One line a poll (the errors of polls come due are logged by the watcher)."""
    if report.error:
        click.echo(f"{report.feed.url}: failed (polled again later)")
        return
    found = "not modified" if report.not_modified else f"{report.narrating} to narrate"
    failed = f", {len(report.errors)} failed" if report.errors else ""
    click.echo(f"{report.feed.url}: {found}, {report.unchanged} unchanged{failed}")


def _wait_for_narrations(newsroom: Newsroom) -> None:
    """Until the jobs queued here are done (with a queue, workers elsewhere run them)."""
    import time

    if not newsroom.narrates_here:
        return
    while pending := newsroom.pending():
        _note(f"{pending} narrations to finish")
        time.sleep(5)


@main.command()
@_backend_options
def watches(**backend: Any) -> None:
    """List the watched feeds: id, URL, last poll, items seen, last error."""
    with _newsroom(**backend) as newsroom:
        for feed in newsroom.feeds():
            error = f"\terror: {feed.error}" if feed.error else ""
            seen = len(feed.state.get("fingerprints", {}))
            click.echo(f"{feed.id}\t{feed.url}\tpolled {iso(feed.polled) or 'never'}\t{seen} items{error}")


@main.command()
@click.argument("feed")
@_backend_options
def unwatch(feed: str, **backend: Any) -> None:
    """Stop watching FEED (its id or URL); its articles stay."""
    from .errors import NotFound

    with _newsroom(**backend) as newsroom:
        try:
            found = newsroom.unwatch(feed)
        except NotFound as error:
            raise NotFound(f"{error} (see `newsvoice watches`)") from None
    click.echo(f"stopped watching {found.url}")


@main.command()
@click.argument("source")
@click.option("--tag", "tags", multiple=True, help="A tag for the articles' podcast feed; repeatable.")
@click.option(
    "--cursor",
    "cursor_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where progress is kept, to resume (default: a file in the data dir named for SOURCE).",
)
@click.option("--restart", is_flag=True, help="Start from the first URL again, forgetting the cursor.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option(
    "--failed",
    "failed_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the URLs that failed here, each after its error: a list to backfill again.",
)
@_allow_option
@_backend_options
def backfill(
    source: str,
    tags: tuple[str, ...],
    cursor_path: Path | None,
    restart: bool,
    concurrency: int,
    failed_path: Path | None,
    allow: tuple[str, ...],
    **backend: Any,
) -> None:
    """Queue the narration of a whole archive: every article of a sitemap (or sitemap index),
    an RSS or Atom feed, or a file with one URL per line.

    Each page is fetched and extracted here and queued; the service (or its workers) narrates
    them. Pages are fetched as the service fetches submitted URLs: private addresses only
    with --allow. Interrupted, it resumes where it stopped; articles already narrated and
    unchanged are not narrated again.
    """
    with (
        _newsroom(allow=allow, **backend) as newsroom,
        _progress_bar(sys.stderr.isatty(), "queuing", "article") as bar,
    ):

        def listed(urls: int, done: int) -> None:
            click.echo(f"newsvoice: {urls} articles in {source}; {done} done before", err=True)

        report = newsroom.backfill(
            source,
            tags=tags,
            cursor=cursor_path,
            restart=restart,
            concurrency=concurrency,
            listed=listed,
            progress=bar and (lambda p: bar(p.finished, p.total or p.finished)),
        )
    counts = report.counts
    click.echo(f"queued {counts.queued}, unchanged {counts.unchanged}, failed {counts.failed}")
    for failure in report.failures[:20]:
        click.echo(f"newsvoice: warning: {failure.error}", err=True)
    if counts.failed > 20:
        click.echo(f"newsvoice: warning: ... and {counts.failed - 20} more failures", err=True)
    if failed_path and report.failures:
        _write_failures(failed_path, report)
    if counts.failed and not counts.queued + counts.unchanged:
        raise NewsvoiceError(f"no article of {source} could be queued")


def _write_failures(path: Path, report: BackfillReport) -> None:
    """The failed URLs as a URL list (`backfill` reads it), each after its error as a comment."""
    from .files import atomic_files

    lines = [f"# {failure.error}\n{failure.url}\n" for failure in report.failures]
    if report.failures_not_kept:
        lines.append(f"# ... and {report.failures_not_kept} more, not kept\n")
    with atomic_files() as files:
        files.write_text(path, "".join(lines))
        files.commit()
    click.echo(f"newsvoice: the failed URLs are in {path}", err=True)

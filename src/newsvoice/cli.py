"""The `newsvoice` command: a thin shell over the library."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import __version__
from .errors import NewsvoiceError
from .script import DEFAULT_DISCLOSURE


class _Group(click.Group):
    """Errors newsvoice expects become one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsvoiceError as error:
            click.echo(f"newsvoice: error: {error}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("newsvoice: interrupted; nothing was written", err=True)
            ctx.exit(130)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="newsvoice")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, for debugging.")
def main(verbose: bool) -> None:
    """Narrate news articles with a local neural voice."""
    # Our own log only: the libraries' chatter (trafilatura, NeMo) is not the user's business.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("newsvoice: %(levelname)s: %(message)s"))
    logger = logging.getLogger("newsvoice")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)


@main.command()
@click.argument("source")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Audio file to write: .mp3, .opus, .ogg or .wav. A .vtt and a .json go beside it.",
)
@click.option("--voice", help="A Piper voice: path to its .onnx file, or the name of an installed voice.")
@click.option(
    "--bitrate", type=click.IntRange(8, 320), default=64, show_default=True, help="MP3 bitrate, kbit/s."
)
@click.option(
    "--disclosure",
    default=DEFAULT_DISCLOSURE,
    show_default=True,
    help="Sentence read at the end to say the voice is synthetic.",
)
@click.option("--no-disclosure", is_flag=True, help="Leave out the AI-voice disclosure.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary.")
def narrate(
    source: str,
    output: Path,
    voice: str | None,
    bitrate: int,
    disclosure: str,
    no_disclosure: bool,
    quiet: bool,
) -> None:
    """Narrate SOURCE (a URL, an .html or .txt file, or - for stdin) into OUTPUT."""
    from .narrate import load_article
    from .narrate import narrate as run
    from .voice import load_voice

    article = load_article(source)
    loaded = load_voice(voice)
    show_progress = not quiet and sys.stderr.isatty()
    with _progress_bar(show_progress) as progress:
        narration = run(
            article,
            output,
            voice=loaded,
            bitrate=bitrate,
            disclosure=None if no_disclosure else disclosure,
            progress=progress,
        )
    for warning in narration.warnings:
        click.echo(f"newsvoice: warning: {warning}", err=True)
    if not quiet:
        minutes, seconds = divmod(round(narration.duration), 60)
        chapters = len(narration.chapters)
        click.echo(
            f"{narration.path} ({minutes}:{seconds:02d}, {len(narration.segments)} segments, "
            f"{chapters} chapter{'' if chapters == 1 else 's'})"
        )
        click.echo(f"{narration.transcript_path}\n{narration.timings_path}")


@main.command()
def voices() -> None:
    """List the installed voices (the default first)."""
    from .voice import list_voices

    for index, info in enumerate(list_voices()):
        default = "  (default)" if index == 0 else ""
        click.echo(f"{info.name}\t{info.language}\t{info.sample_rate} Hz\t{info.path}{default}")


class _progress_bar:
    """A tqdm bar (segments done of total, elapsed, ETA) when enabled; otherwise nothing."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._bar = None

    def __enter__(self):
        return self.update if self._enabled else None

    def update(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="segment", desc="narrating", file=sys.stderr)
        self._bar.total = max(total, done)
        self._bar.update(done - self._bar.n)

    def __exit__(self, *exc_info) -> None:
        if self._bar is not None:
            self._bar.close()

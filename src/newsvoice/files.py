"""Writing files atomically: a file, or all of a narration's files together, appear whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import DiskFullError, OutputError, is_disk_full


class AtomicFiles:
    """Temporary files beside their targets, renamed into place only by `commit()`.

    Until then, and whatever goes wrong (an error, Ctrl-C), existing files are untouched
    and the temporary files are removed.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []
        self._opened: list[BinaryIO] = []

    def open(self, target: Path) -> BinaryIO:
        directory = target.parent if str(target.parent) else Path(".")
        try:
            descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".part")
        except FileNotFoundError:
            raise OutputError(f"cannot write {target}: no such directory {directory}") from None
        except OSError as error:
            raise output_error(target, error) from None
        self._pending.append((Path(temporary), target))
        file = os.fdopen(descriptor, "w+b")
        self._opened.append(file)
        return file

    def path_of(self, target: Path) -> Path:
        return next(temporary for temporary, final in self._pending if final == target)

    def write_text(self, target: Path, text: str) -> None:
        with self.open(target) as file:
            file.write(text.encode("utf-8"))

    def commit(self) -> None:
        try:
            for temporary, target in self._pending:
                os.chmod(temporary, 0o644)
                os.replace(temporary, target)
        except OSError as error:
            raise output_error(target, error) from None
        self._pending.clear()

    def discard(self) -> None:
        # Closed too, whoever still holds them (a traceback's frames): a removed file that is
        # still open takes its space until it is closed, and a full disk stays full.
        for file in self._opened:
            with contextlib.suppress(OSError, ValueError):  # its last bytes cannot be written
                file.close()
        self._opened.clear()
        for temporary, _ in self._pending:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
        self._pending.clear()


def output_error(target: Path, error: OSError) -> OutputError:
    """The one line for ERROR, met writing TARGET: a full disk says where it is full."""
    if is_disk_full(error):
        return DiskFullError.at(target.parent.absolute())
    return OutputError(f"cannot write {target}: {error.strerror or error}")


@contextlib.contextmanager
def atomic_files() -> Iterator[AtomicFiles]:
    files = AtomicFiles()
    try:
        yield files
    finally:
        files.discard()


def write_atomically(target: Path, data: bytes) -> None:
    """TARGET holding DATA, replaced in one step: readers see the old file or the new one.
    Each writer has a temporary file of its own, so writers at once never mix their bytes."""
    with atomic_files() as files:
        with files.open(target) as file:
            file.write(data)
        files.commit()

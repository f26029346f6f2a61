"""Failures people will meet: one line on stderr, exit status 1, and no file touched or left behind."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newsvoice.language import language_name
from newsvoice.narrate import narrate
from newsvoice.voice import list_voices, piper_voice_path

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
NAV_ONLY_HTML = (
    '<!DOCTYPE html><html lang="en"><head><title>The Daily Example</title></head><body>'
    '<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
    '<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li></ul></nav>'
    "</body></html>"
)
ARTICLE_TEXT = (
    "Harbour bridge reopens after repairs\n\n"
    "The harbour bridge reopened to traffic on Friday after eight months of repairs. "
    "Commuters welcomed the news.\n\n"
    "Engineers replaced the corroded steel cables and resurfaced the entire deck.\n\n"
    "The work cost the city more than it had planned, the transport department said.\n"
)
EXISTING = b"an earlier narration that must survive a failed run\n"


def newsvoice_command() -> list[str]:
    """The installed `newsvoice` script beside this Python, else the same entry point via -c."""
    script = Path(sys.executable).parent / "newsvoice"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from newsvoice.cli import main; main()"]


def run_cli(*args: str, cwd: Path, stdin: bytes | Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `newsvoice ARGS` in CWD, with STDIN's bytes (or the file at STDIN) on its standard input."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    with contextlib.ExitStack() as stack:
        given: dict[str, Any] = {"input": stdin}
        if isinstance(stdin, Path):
            given = {"stdin": stack.enter_context(stdin.open("rb"))}
        completed = subprocess.run(
            [*newsvoice_command(), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
            **given,
        )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsvoice: error: "), lines[0]
    for fragment in expected:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""
    return lines[0]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".part"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "article.txt").write_text(ARTICLE_TEXT, encoding="utf-8")
    return tmp_path


# --- sources --------------------------------------------------------------------------------


def test_nonexistent_file(workdir: Path) -> None:
    result = run_cli("narrate", "missing.txt", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "missing.txt", "no such file")
    assert not (workdir / "out.mp3").exists()


def test_directory_as_source(workdir: Path) -> None:
    (workdir / "folder").mkdir()
    result = run_cli("narrate", "folder", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "folder", "directory")


def test_empty_file(workdir: Path) -> None:
    (workdir / "empty.txt").write_bytes(b"")
    result = run_cli("narrate", "empty.txt", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "empty.txt", "empty")


def test_whitespace_only_file(workdir: Path) -> None:
    (workdir / "blank.txt").write_bytes(b" \n\n\t\n")
    result = run_cli("narrate", "blank.txt", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "blank.txt", "empty")


def test_empty_stdin(workdir: Path) -> None:
    result = run_cli("narrate", "-", "-o", "out.mp3", cwd=workdir, stdin=b"")
    assert_one_line_error(result, "standard input", "empty")


def test_endless_stdin_is_refused_at_the_limit(workdir: Path) -> None:
    started = time.monotonic()
    result = run_cli("narrate", "-", "-o", "out.mp3", cwd=workdir, stdin=Path("/dev/zero"))
    assert_one_line_error(result, "standard input: larger than 10 MiB")
    assert time.monotonic() - started < 30  # read no further than the limit
    assert not (workdir / "out.mp3").exists()


def test_file_larger_than_the_limit(workdir: Path) -> None:
    (workdir / "huge.txt").write_bytes(b"The bridge reopened on Friday. " * (11 * 2**20 // 31))
    result = run_cli("narrate", "huge.txt", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "huge.txt: larger than 10 MiB")


@pytest.mark.parametrize(
    ("source", "kind"), [("/dev/zero", "a device"), ("pipe", "a FIFO"), ("/dev/stdin", "")], ids=str
)
def test_a_file_that_is_not_a_regular_one_is_refused(workdir: Path, source: str, kind: str) -> None:
    """Not read: a device never ends, and a FIFO without a writer would be waited on for ever.
    (Standard input is read as `-`, within the limit.)"""
    os.mkfifo(workdir / "pipe")
    result = run_cli("narrate", source, "-o", "out.mp3", cwd=workdir, stdin=Path("/dev/zero"))
    assert_one_line_error(result, f"{source}: {kind}", "give a file, a URL, or - for standard input")


def test_binary_file(workdir: Path) -> None:
    (workdir / "picture.png").write_bytes(PNG_BYTES)
    result = run_cli("narrate", "picture.png", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "picture.png", "not a text or HTML file")


def test_bare_page_without_article(workdir: Path) -> None:
    (workdir / "nav.html").write_text(
        '<html><body><nav><a href="/">Home</a> <a href="/world">World</a></nav></body></html>',
        encoding="utf-8",
    )
    result = run_cli("narrate", "nav.html", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "nav.html", "no article found")


def test_page_without_article(workdir: Path) -> None:
    (workdir / "nav.html").write_text(NAV_ONLY_HTML, encoding="utf-8")
    result = run_cli("narrate", "nav.html", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "nav.html", "no article found")


def test_text_without_article(workdir: Path) -> None:
    (workdir / "menu.txt").write_text("Skip to main content\nMenu\nHome\nWorld\nSport\nAdvertisement\n")
    result = run_cli("narrate", "menu.txt", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "menu.txt", "no article found")


def test_unreachable_url(workdir: Path) -> None:
    # Port 9 (discard) is closed on the loopback interface: the connection is refused at once.
    result = run_cli("narrate", "http://127.0.0.1:9/x", "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, "http://127.0.0.1:9/x", "cannot fetch")


def test_http_404(workdir: Path, local_server) -> None:
    url = local_server.url("/no-such-article")
    result = run_cli("narrate", url, "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, url, "HTTP 404")


def test_non_html_content_type(workdir: Path, local_server) -> None:
    local_server.routes["/photo.png"] = (200, "image/png", PNG_BYTES)
    url = local_server.url("/photo.png")
    result = run_cli("narrate", url, "-o", "out.mp3", cwd=workdir)
    assert_one_line_error(result, url, "not an article page", "image/png")


# --- voice and output -----------------------------------------------------------------------


def test_unknown_voice_name(workdir: Path) -> None:
    result = run_cli("narrate", "article.txt", "-o", "out.mp3", "--voice", "no-such-voice", cwd=workdir)
    assert_one_line_error(result, "unknown voice", "no-such-voice")


def test_missing_voice_model_path(workdir: Path) -> None:
    result = run_cli("narrate", "article.txt", "-o", "out.mp3", "--voice", "/nonexistent.onnx", cwd=workdir)
    assert_one_line_error(result, "voice model not found", "/nonexistent.onnx")


def test_voice_config_that_is_not_json(workdir: Path) -> None:
    (workdir / "broken.onnx").write_bytes(b"this is not an onnx model")
    shutil.copy(workdir / "article.txt", workdir / "broken.onnx.json")
    result = run_cli("narrate", "article.txt", "-o", "out.mp3", "--voice", "broken.onnx", cwd=workdir)
    assert_one_line_error(result, "broken.onnx.json")


def test_voice_model_that_is_not_a_model(workdir: Path) -> None:
    (workdir / "broken.onnx").write_bytes(b"this is not an onnx model")
    shutil.copy(f"{piper_voice_path()}.json", workdir / "broken.onnx.json")
    result = run_cli("narrate", "article.txt", "-o", "out.mp3", "--voice", "broken.onnx", cwd=workdir)
    assert_one_line_error(result, "broken.onnx", "not an ONNX voice model")
    assert not (workdir / "out.mp3").exists()


def test_output_in_nonexistent_directory(workdir: Path) -> None:
    result = run_cli("narrate", "article.txt", "-o", "no/such/dir/out.mp3", cwd=workdir)
    assert_one_line_error(result, "no such directory")
    assert not (workdir / "no").exists()


def test_output_with_unknown_extension(workdir: Path) -> None:
    result = run_cli("narrate", "article.txt", "-o", "out.xyz", cwd=workdir)
    assert_one_line_error(result, "out.xyz", "unknown audio format")
    assert not (workdir / "out.xyz").exists()
    assert leftovers(workdir) == []


# --- atomicity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "options", "expected"),
    [
        ("article.txt", ["--voice", "no-such-voice"], "unknown voice"),
        ("nav.html", [], "no article found"),
    ],
)
def test_failed_run_leaves_existing_output_untouched(
    workdir: Path, source: str, options: list[str], expected: str
) -> None:
    (workdir / "nav.html").write_text(NAV_ONLY_HTML, encoding="utf-8")
    for name in ("out.mp3", "out.vtt", "out.json"):
        (workdir / name).write_bytes(EXISTING + name.encode())
    result = run_cli("narrate", source, "-o", "out.mp3", *options, cwd=workdir)
    # (Only the last line: see test_page_without_article for the stray warning before it.)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines()[-1].startswith("newsvoice: error: ")
    assert expected in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    for name in ("out.mp3", "out.vtt", "out.json"):
        assert (workdir / name).read_bytes() == EXISTING + name.encode()
    assert leftovers(workdir) == []


class Interrupt:
    """A progress callback that presses Ctrl-C after AFTER segments."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))
        if done >= self.after:
            raise KeyboardInterrupt


@pytest.mark.parametrize("existing", [True, False], ids=["over-existing-file", "new-file"])
def test_interrupted_narration_writes_nothing(workdir: Path, voice, normalizer, existing: bool) -> None:
    output = workdir / "out.mp3"
    if existing:
        output.write_bytes(EXISTING)
    before = sorted(p.name for p in workdir.iterdir())
    interrupt = Interrupt(after=2)
    with pytest.raises(KeyboardInterrupt):
        narrate(str(workdir / "article.txt"), output, voice=voice, normalizer=normalizer, progress=interrupt)
    assert [done for done, _ in interrupt.calls] == [1, 2]
    assert interrupt.calls[0][1] > 2  # it really was stopped part way
    assert sorted(p.name for p in workdir.iterdir()) == before
    assert leftovers(workdir) == []
    if existing:
        assert output.read_bytes() == EXISTING
    else:
        assert not output.exists()
    assert not output.with_suffix(".vtt").exists()
    assert not output.with_suffix(".json").exists()


@pytest.mark.parametrize(
    ("sent", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["ctrl-c", "sigterm"]
)
def test_ctrl_c_in_the_cli(workdir: Path, sample_path: Path, sent: signal.Signals, status: int) -> None:
    """SIGINT (Ctrl-C) or SIGTERM (`kill`, a service manager) part way through a real narration:
    exit status 130 or 143 (128 and the signal's number), one line, nothing written."""
    output = workdir / "out.mp3"
    output.write_bytes(EXISTING)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    process = subprocess.Popen(
        [*newsvoice_command(), "narrate", str(sample_path), "-o", "out.mp3", "-q"],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not leftovers(workdir):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the narration never started writing"
            time.sleep(0.05)
        time.sleep(1.0)  # well into synthesis
        assert process.poll() is None, "the narration finished before it could be interrupted"
        process.send_signal(sent)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    stderr_text = stderr.decode("utf-8", "replace")
    assert process.returncode == status, stderr_text
    assert "Traceback" not in stderr_text
    assert stderr_text.splitlines() == ["newsvoice: interrupted; nothing was written"]
    assert stdout == b""
    assert output.read_bytes() == EXISTING
    assert leftovers(workdir) == []
    assert not output.with_suffix(".vtt").exists()
    assert not output.with_suffix(".json").exists()


@pytest.mark.parametrize("name", ["out.mp3", "out.opus", "out.wav"])
def test_a_full_disk_on_output(workdir: Path, small_disk, name: str) -> None:
    """A real full disk (a tmpfs too small for the narration): one line that says so, and the
    files there before untouched, with nothing half-written beside them. (Opus and WAV are
    written by libsndfile, which loses the errors of the file it writes unless they are kept.)"""
    disk = small_disk("48k")
    output = disk / name
    for existing in (output, output.with_suffix(".vtt"), output.with_suffix(".json")):
        existing.write_bytes(EXISTING)
    result = run_cli("narrate", "article.txt", "-o", str(output), "-q", cwd=workdir)
    assert_one_line_error(result, f"the disk is full at {disk}: free space to narrate")
    assert sorted(path.name for path in disk.iterdir()) == sorted([name, "out.vtt", "out.json"])
    assert all(path.read_bytes() == EXISTING for path in disk.iterdir())


def test_article_language_without_a_voice_is_refused_unless_a_voice_is_forced(tmp_path: Path) -> None:
    page = tmp_path / "de.html"
    paragraphs = "".join(
        f"<p>{sentence} The city said so in a statement on Friday morning, after the last inspection.</p>"
        for sentence in (
            "The harbour bridge reopened to traffic.",
            "Commuters welcomed the news.",
            "It lasts.",
        )
    )
    page.write_text(f'<html lang="de"><head><title>Brücke offen</title></head><body><article>{paragraphs}'
                    "</article></body></html>", encoding="utf-8")  # fmt: skip
    result = run_cli("narrate", str(page), "-o", "de.mp3", "-q", cwd=tmp_path)
    spoken = ", ".join(sorted({language_name(info.language) for info in list_voices()}))  # Kokoro's too
    assert result.returncode == 1 and result.stderr.splitlines() == [
        "newsvoice: error: the article is in German (de), and no installed voice speaks it (the voices "
        f"speak {spoken}); install a Piper voice for it, or read it anyway with --voice NAME"
    ]
    assert not (tmp_path / "de.mp3").exists()
    result = run_cli("narrate", str(page), "-o", "de.mp3", "-q", "--voice", "en_US-joe-medium", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "the article is in German (de), read by en_US-joe-medium, a voice for English" in result.stderr

"""The docs are tested against the code, so that they cannot drift (datasette's habit).

`docs/cli.md` holds every command's `--help`; when a command changes, write it again with
`NEWSVOICE_WRITE_DOCS=1 pytest tests/test_docs.py` and read the diff.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from newsvoice.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CLI_DOC = DOCS / "cli.md"
CLI_INTRO = """# Command line

Every command and option, as `newsvoice COMMAND --help` prints them. Errors are one line on
stderr and a non-zero exit status; `-v` before the command logs what happens.
"""


def all_docs() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md")))


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name in sorted(group.commands):
        command = group.commands[name]
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="newsvoice", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output.rstrip()


def cli_reference() -> str:
    sections = [CLI_INTRO, f"```text\n{help_text(())}\n```\n"]
    for path, _ in commands(main):
        sections.append(f"## newsvoice {' '.join(path)}\n\n```text\n{help_text(path)}\n```\n")
    return "\n".join(sections)


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    expected = cli_reference()
    if os.environ.get("NEWSVOICE_WRITE_DOCS"):
        CLI_DOC.write_text(expected, encoding="utf-8")
    assert CLI_DOC.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is out of date: NEWSVOICE_WRITE_DOCS=1 pytest tests/test_docs.py"
    )


@pytest.mark.parametrize("path", [path for path, _ in commands(main)], ids=" ".join)
def test_every_command_is_explained_beyond_the_reference(path: tuple[str, ...]) -> None:
    """Each command is named in a topic page too, not only in the generated reference."""
    topics = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.glob("*.md") if p != CLI_DOC)
    explained = f"newsvoice {' '.join(path)}" in topics
    assert explained, f"newsvoice {' '.join(path)} is only in the generated reference"


def shown(default: object) -> str:
    """A default as the docs show it: true/false as in TOML, paths under ~ (they are per user)."""
    if isinstance(default, bool):
        return str(default).lower()
    return str(default).replace(str(Path.home()), "~")


def settings_reference() -> str:
    """The settings, a table a section, made from their declarations (see newsvoice.settings)."""
    from newsvoice.settings import ENVIRONMENT_PREFIX, SECTIONS, describe

    parts = []
    for table, section in SECTIONS.items():
        rows = [
            f"### [{table}]\n",
            "| setting | environment | default | what it is |",
            "| --- | --- | --- | --- |",
        ]
        for name, field in section.model_fields.items():
            default = "" if field.default in (None, ()) else f"`{shown(field.default)}`"
            variable = ENVIRONMENT_PREFIX + name.upper()
            rows.append(f"| `{name}` | `{variable}` | {default} | {describe(name)[1]} |")
        parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


SETTINGS_START = "<!-- settings: made from newsvoice/settings.py by tests/test_docs.py -->\n"
SETTINGS_END = "<!-- end of settings -->\n"


def test_every_setting_is_documented() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    before, _, rest = page.partition(SETTINGS_START)
    _, _, after = rest.partition(SETTINGS_END)
    expected = f"{before}{SETTINGS_START}{settings_reference()}{SETTINGS_END}{after}"
    if os.environ.get("NEWSVOICE_WRITE_DOCS"):
        (DOCS / "configuration.md").write_text(expected, encoding="utf-8")
    assert page == expected, (
        "docs/configuration.md is out of date: NEWSVOICE_WRITE_DOCS=1 pytest tests/test_docs.py"
    )


def route_paths() -> list[str]:
    from fastapi.routing import APIRoute
    from starlette.routing import Route

    from newsvoice.runtime import build_runtime
    from newsvoice.server import create_app
    from newsvoice.settings import load_settings

    app = create_app(build_runtime(load_settings(data_dir=ROOT / "unused"), service=True))
    return sorted({route.path for route in app.routes if isinstance(route, APIRoute | Route)})


@pytest.mark.parametrize("path", route_paths())
def test_every_route_is_documented(path: str) -> None:
    # Documented as written in the code, with its {parameters}.
    docs = all_docs()
    documented = f"`{path}" in docs or f" {path}`" in docs
    assert documented, f"route {path} is not in docs/"


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", markdown_files(), ids=lambda page: page.name)
def test_links_lead_somewhere(page: Path) -> None:
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith("#"):
            continue
        file, _, anchor = target.partition("#")
        resolved = (page.parent / file).resolve()
        assert resolved.exists(), f"{page.name}: broken link {target}"
        if anchor and resolved.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", resolved.read_text(encoding="utf-8"), re.M)
            slugs = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in slugs, f"{page.name}: no heading for #{anchor} in {file}"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands_shown = re.findall(r"```sh\n(python3 -m venv .+)\n```", readme)
    assert len(commands_shown) == 2, "the README begins with its two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert commands_shown[1] in ci, ".ci/run does not run the README's test command verbatim"


def test_readme_is_a_front_door() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 150

"""API keys from the command line (stored hashed), the settings of `newsvoice serve`, and the one
rule by which every command finds the service's data directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from newsvoice.cli import main
from newsvoice.server.keys import check_key
from newsvoice.server.migrations import FIRST, head, upgrade
from newsvoice.server.store import Store, database_url, schema_revision, shown_url
from newsvoice.settings import ConfigError, ServiceSettings, load_settings


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    where = ("--data-dir", str(tmp_path))
    assert run("db", "upgrade", *where)[0] == 0
    code, token, notice = run("keys", "create", "cms", *where)
    assert code == 0 and token.startswith("nv_") and len(token.strip()) > 40
    assert "not shown again" in notice
    token = token.strip()
    store = Store(tmp_path / "newsvoice.sqlite3")
    assert check_key(store, token) and not check_key(store, token + "x")
    database = b"".join(path.read_bytes() for path in tmp_path.glob("newsvoice.sqlite3*"))
    assert token.encode() not in database  # only its hash is kept

    run("keys", "create", "cms", *where)
    code, listing, _ = run("keys", "list", *where)
    lines = listing.splitlines()
    assert code == 0 and len(lines) == 2
    assert lines[0].startswith(f"1\tcms\t{token[:8]}…\t") and token not in listing

    code, _, error = run("keys", "revoke", "cms", *where)
    assert code == 1 and "2 live keys are named 'cms': revoke one by its id" in error
    code, output, _ = run("keys", "revoke", "1", *where)
    assert code == 0 and output == "revoked key 1 (cms)\n"
    assert not check_key(store, token)
    assert "\trevoked " in run("keys", "list", *where)[1].splitlines()[0]
    code, _, error = run("keys", "revoke", "1", *where)
    assert code == 1 and "no live key with id or name '1'" in error
    store.close()


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config))
    return config


def test_only_serve_worker_and_db_upgrade_create_or_upgrade_the_database(tmp_path: Path) -> None:
    """Every other command leaves the database as it is, and says what to do (`keys list` used to
    upgrade it silently)."""
    where = ("--data-dir", str(tmp_path))
    path = tmp_path / "newsvoice.sqlite3"
    code, _, error = run("keys", "list", *where)
    assert code == 1
    assert error.splitlines()[-1] == (
        f"newsvoice: error: there is no database at {path}: run `newsvoice db upgrade` to create it"
    )
    assert not path.exists()

    engine = create_engine(database_url(path))
    upgrade(engine, FIRST)  # as an older newsvoice left it
    engine.dispose()
    outdated = (
        f"newsvoice: error: the database at {path} is at revision {FIRST}, this newsvoice needs"
        f" {head()}: run `newsvoice db upgrade`"
    )
    for command in [
        ("keys", "list"),
        ("keys", "create", "cms"),
        ("keys", "revoke", "1"),
        ("watches",),
        ("unwatch", "x"),
        ("watch", "https://news.example/feed.xml", "--once"),
        ("backfill", str(tmp_path / "urls.txt")),
    ]:
        code, _, error = run(*command, *where)
        assert (code, error.splitlines()[-1]) == (1, outdated), command
    assert schema_revision(path) == FIRST
    assert run("db", "current", *where)[1] == f"{shown_url(path)}: revision {FIRST} (newest {head()})\n"

    code, output, _ = run("db", "upgrade", *where)
    assert code == 0 and output == f"{shown_url(path)}: at revision {head()}\n"
    assert run("keys", "list", *where)[:2] == (0, "")


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path, monkeypatch, '[service]\nport = 9000\ntitle = "Herald"\nworkers = 2\n')
    environment = {
        "NEWSVOICE_PORT": "9100",
        "NEWSVOICE_ALLOW": "cms.internal, 10.1.0.0/16",
        "NEWSVOICE_OPUS": "off",
        "NEWSVOICE_CACHE_SIZE": "500MB",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = load_settings(port=9200, host=None, data_dir=tmp_path)
    service, pipeline = settings.service, settings.pipeline
    assert service.port == 9200  # option over environment over file
    assert service.title == "Herald" and service.workers == 2  # file over defaults
    assert service.allow == ("cms.internal", "10.1.0.0/16")
    assert pipeline.opus is False and pipeline.cache_size == 500_000_000
    assert service.host == ServiceSettings.model_fields["host"].default and service.data_dir == tmp_path
    assert service.audio_file("abc", "j1", "mp3") == tmp_path / "audio" / "abc" / "j1.mp3"
    assert service.store_url == str(tmp_path / "newsvoice.sqlite3")


@pytest.mark.parametrize(
    ("table", "environment", "message"),
    [
        ("[service]\nport = 70000", {}, "config [service]: invalid port 70000"),
        ("", {"NEWSVOICE_WORKERS": "none"}, "NEWSVOICE_WORKERS: invalid workers 'none'"),
        ('[service]\ncolour = "red"', {}, "unknown [service] settings: colour"),
        ("[service]\nallow = 5", {}, "invalid allow 5"),
        ("[pipeline]\nbitrate = 999", {}, "config [pipeline]: invalid bitrate 999"),
        ('[pipeline]\nopus = "maybe"', {}, "invalid opus 'maybe'"),
        ("", {"NEWSVOICE_CACHE_SIZE": "lots"}, "NEWSVOICE_CACHE_SIZE: invalid cache_size 'lots'"),
        ("", {"NEWSVOICE_ACCESS_LOG": "loud"}, "NEWSVOICE_ACCESS_LOG: invalid access_log 'loud'"),
        ("[serve]\nport = 80", {}, "`serve` belongs in the [service] table now"),
        ('voice = "joe"', {}, "`voice` belongs in the [pipeline] table now"),
        ("[colours]\nred = 1", {}, "unknown table [colours]"),
        ("[service", {}, "cannot read config"),
    ],
)
def test_settings_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, environment: dict, message: str
) -> None:
    write_config(tmp_path, monkeypatch, table)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings()


def test_serve_reports_bad_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[service]\nport = "eighty"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config))
    code, _, error = run("serve")
    assert code == 1
    assert error == "newsvoice: error: config [service]: invalid port 'eighty'\n"
    code, _, error = run("serve", "--port", "8080", "--workers", "0")
    assert code == 1 and "--workers: invalid workers 0" in error


@pytest.fixture
def serving(monkeypatch: pytest.MonkeyPatch, voice, normalizer) -> list[FastAPI]:
    """`newsvoice serve` runs up to uvicorn, which is handed the app here instead of serving it."""
    served: list[FastAPI] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: served.append(app))
    monkeypatch.setattr("newsvoice.runtime.load_voice", lambda *args, **kwargs: voice)
    monkeypatch.setattr("newsvoice.runtime.Normalizer", lambda **kwargs: normalizer)
    return served


def writes(app: FastAPI, token: str) -> int:
    """The status of a write with TOKEN on APP: 404 (no such article) if the key is known, else 401."""
    with TestClient(app, base_url="http://localhost") as client:
        return client.delete("/api/articles/nosuch", headers={"Authorization": f"Bearer {token}"}).status_code


def test_keys_create_then_serve_find_the_same_data_dir_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serving: list[FastAPI]
) -> None:
    monkeypatch.setenv("NEWSVOICE_DATA_DIR", str(tmp_path / "state"))
    assert run("db", "upgrade")[0] == 0
    code, token, notice = run("keys", "create", "cms")
    assert code == 0
    assert notice.splitlines()[0] == f"newsvoice: data in {tmp_path / 'state'}"
    assert f"created in {tmp_path / 'state'}" in notice
    code, _, notice = run("serve")
    assert code == 0 and notice == f"newsvoice: data in {tmp_path / 'state'}\n"
    assert writes(serving[0], token.strip()) == 404


def test_keys_create_then_serve_with_the_same_data_dir_option(
    tmp_path: Path, serving: list[FastAPI], caplog: pytest.LogCaptureFixture
) -> None:
    assert run("db", "upgrade", "--data-dir", str(tmp_path / "a"))[0] == 0
    _, token, _ = run("keys", "create", "cms", "--data-dir", str(tmp_path / "a"))
    assert run("serve", "--data-dir", str(tmp_path / "a"))[0] == 0
    assert writes(serving[0], token.strip()) == 404
    assert "no API keys" not in caplog.text

    assert run("serve", "--data-dir", str(tmp_path / "b"))[0] == 0  # the mistake of the bug report...
    assert writes(serving[1], token.strip()) == 401
    other = tmp_path / "b"  # ...which the server now points out
    warning = f"no API keys in {other}: writes will be refused; create one with "
    assert warning + f"`newsvoice keys create NAME --data-dir {other}`" in caplog.messages


@pytest.mark.parametrize(
    "command",
    [
        ("keys", "list"),
        ("keys", "revoke", "1"),
        ("watches",),
        ("unwatch", "x"),
        ("db", "current"),
        ("db", "upgrade"),
    ],
)
def test_every_command_on_the_service_says_where_its_data_is(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    _, _, notice = run(*command, "--data-dir", str(tmp_path))
    assert notice.splitlines()[0] == f"newsvoice: data in {tmp_path}"


def test_a_relative_data_dir_is_relative_to_where_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "etc").mkdir()
    config = tmp_path / "etc" / "config.toml"
    config.write_text('[service]\ndata_dir = "state"\nstorage = "~/shared"\n', encoding="utf-8")
    monkeypatch.setenv("NEWSVOICE_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    from_file = load_settings().service
    assert from_file.data_dir == tmp_path / "etc" / "state"  # wherever the command runs
    assert from_file.storage == Path("~/shared").expanduser()
    assert load_settings(data_dir=Path("here")).service.data_dir == tmp_path / "here"
    monkeypatch.setenv("NEWSVOICE_DATA_DIR", "env")
    assert load_settings().service.data_dir == tmp_path / "env"

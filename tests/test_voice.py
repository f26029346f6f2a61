"""The voice model, patched with alignment outputs once and kept in the user cache."""

from __future__ import annotations

import threading
from pathlib import Path

import onnx
import platformdirs
import pytest

from newsvoice.voice import Voice, _aligned_model


def test_workers_starting_at_once_patch_the_model_without_racing(
    voice: Voice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda name: str(tmp_path / name))
    start = threading.Barrier(3)
    patched: list[Path] = []
    errors: list[Exception] = []

    def load() -> None:
        start.wait()
        try:
            patched.append(_aligned_model(voice.path))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=load) for _ in range(start.parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    (model,) = set(patched)
    assert [path.name for path in model.parent.iterdir()] == [model.name]  # no temporary file left
    assert onnx.load(str(model)).graph.node

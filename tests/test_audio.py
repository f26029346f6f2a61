"""Mastering's own loudness measure against pyloudnorm's."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from newsvoice.audio import _fast_loudness


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
def test_fast_loudness_is_pyloudnorms(rate: int) -> None:
    # Noise with a quiet stretch and a loud tone, so that both gates and the weighting count.
    noise = np.random.default_rng(7).normal(0, 0.05, 6 * rate)
    noise[rate : 2 * rate] *= 0.001
    noise[3 * rate : 4 * rate] += 0.3 * np.sin(2 * np.pi * 60 * np.arange(rate) / rate)
    measured = pyloudnorm.Meter(rate).integrated_loudness(noise)
    assert _fast_loudness(noise, rate) == pytest.approx(measured, abs=0.02)

"""Mastering's own loudness measure against pyloudnorm's; its true-peak envelope."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import upfirdn

from newsvoice.audio import _OVERSAMPLE, _TRUE_PEAK_FILTER, _fast_loudness, _peak_envelope


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
def test_fast_loudness_is_pyloudnorms(rate: int) -> None:
    # Noise with a quiet stretch and a loud tone, so that both gates and the weighting count.
    noise = np.random.default_rng(7).normal(0, 0.05, 6 * rate)
    noise[rate : 2 * rate] *= 0.001
    noise[3 * rate : 4 * rate] += 0.3 * np.sin(2 * np.pi * 60 * np.arange(rate) / rate)
    measured = pyloudnorm.Meter(rate).integrated_loudness(noise)
    assert _fast_loudness(noise, rate) == pytest.approx(measured, abs=0.02)


@pytest.mark.parametrize("length", [0, 1, 5, 22050])
def test_the_peak_envelope_is_each_samples_highest_oversampled_value(length: int) -> None:
    audio = np.random.default_rng(length).normal(0, 0.3, length).astype(np.float32)
    delay = (len(_TRUE_PEAK_FILTER) - 1) // 2
    oversampled = upfirdn(_TRUE_PEAK_FILTER, audio, up=_OVERSAMPLE)[delay : delay + length * _OVERSAMPLE]
    phases = [abs(oversampled[i * _OVERSAMPLE : (i + 1) * _OVERSAMPLE]) for i in range(length)]
    highest = [max(values) for values in phases]
    envelope = _peak_envelope(audio)
    assert envelope.dtype == np.float64
    assert envelope.tolist() == highest

"""Audio files written by soundfile, for the audio checks and the training runs."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf


def encoded(signal: np.ndarray, sample_rate: int = 32_000, fmt: str = "MP3") -> bytes:
    """`signal` encoded as a file of format `fmt` (soundfile's name: "MP3", "WAV", "AIFF", ...)."""
    buffer = io.BytesIO()
    sf.write(buffer, signal, sample_rate, format=fmt)
    return buffer.getvalue()

"""Rendered pictures as pixels, so tests can assert what a picture shows."""

from __future__ import annotations

import io

import matplotlib.image
import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_png(png: bytes) -> np.ndarray:
    """The pixels (rows x columns x RGBA, 0..1) of bytes that must be a PNG."""
    assert png.startswith(PNG_SIGNATURE)
    return matplotlib.image.imread(io.BytesIO(png), format="png")

"""Small PNG thumbnails of the pictures DAWA draws (a set's timeline, an artist's fingerprint chart), and the
markdown that shows one inline, so a materialization's metadata carries the picture itself, not only a path.

A thumbnail is the full picture shrunk by whole-pixel block averaging (sharp enough to recognise, no new
dependency) with colours rounded to `LEVELS` steps per channel, which PNG compresses well; it shrinks
further until it fits `MAX_THUMBNAIL_BYTES`, so its markdown (base64, a third larger) stays under 30 KB and
the event log stays light. Lives in `als/` because the timeline is drawn here and the profile may import
`als`, never the other way round.
"""

from __future__ import annotations

import base64
import io
import math

import numpy as np

MAX_THUMBNAIL_BYTES = 20_000
MAX_MARKDOWN_CHARS = 30_000
THUMBNAIL_WIDTH = 480
THUMBNAIL_HEIGHT = 640
LEVELS = 16


def _shrink(pixels: np.ndarray, factor: int) -> np.ndarray:
    """Average each factor x factor block (edges that do not fill a block are dropped)."""
    height, width = (pixels.shape[0] // factor) * factor, (pixels.shape[1] // factor) * factor
    blocks = pixels[:height, :width].reshape(height // factor, factor, width // factor, factor, -1)
    return blocks.mean(axis=(1, 3))


def _encode(rgb: np.ndarray) -> bytes:
    import matplotlib.image

    steps = np.round(rgb * (LEVELS - 1)) / (LEVELS - 1)
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, (steps * 255).astype(np.uint8), format="png", metadata={"Software": None})
    return buffer.getvalue()


def png_thumbnail(png: bytes, *, max_bytes: int = MAX_THUMBNAIL_BYTES) -> bytes:
    """A PNG of at most `max_bytes` showing the whole of `png` (at most 480 x 640 pixels)."""
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None].repeat(3, axis=2)
    if pixels.shape[2] == 4:  # on white, as the picture is shown
        pixels = pixels[:, :, :3] * pixels[:, :, 3:] + (1 - pixels[:, :, 3:])
    height, width = pixels.shape[:2]
    factor = max(1, math.ceil(width / THUMBNAIL_WIDTH), math.ceil(height / THUMBNAIL_HEIGHT))
    while True:
        thumbnail = _encode(_shrink(pixels[:, :, :3], factor))
        if len(thumbnail) <= max_bytes or factor >= min(height, width):
            return thumbnail
        factor += 1


def markdown_image(png: bytes, alt: str) -> str:
    """`![alt](data:image/png;base64,...)`: the picture inline in markdown (Dagster's md metadata)."""
    safe_alt = alt.replace("[", "(").replace("]", ")").replace("\n", " ")
    return f"![{safe_alt}](data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

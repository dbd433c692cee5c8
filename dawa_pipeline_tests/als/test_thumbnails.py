"""Thumbnails of the timeline and the fingerprint chart: small enough for an event's metadata (at most
MAX_THUMBNAIL_BYTES, markdown under 30 KB), still the whole picture, and shown inline as markdown."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from png_image import decode_png

from dawa_pipeline.als import parse_als
from dawa_pipeline.als.thumbnails import (
    MAX_MARKDOWN_CHARS,
    MAX_THUMBNAIL_BYTES,
    THUMBNAIL_WIDTH,
    markdown_image,
    png_thumbnail,
)
from dawa_pipeline.als.timeline import render_timeline
from dawa_pipeline.profile import compute_fingerprint, render_fingerprint_chart


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, pixels, format="png")
    return buffer.getvalue()


def _assert_small_thumbnail_of(full: bytes, alt: str) -> None:
    thumbnail = png_thumbnail(full)
    assert len(thumbnail) <= MAX_THUMBNAIL_BYTES
    small, large = decode_png(thumbnail), decode_png(full)
    assert small.shape[1] <= THUMBNAIL_WIDTH
    # The whole picture, shrunk evenly: the aspect ratio survives within a block's rounding.
    assert small.shape[0] / small.shape[1] == pytest.approx(large.shape[0] / large.shape[1], rel=0.05)
    markdown = markdown_image(thumbnail, alt)
    assert len(markdown) <= MAX_MARKDOWN_CHARS
    prefix = f"![{alt}](data:image/png;base64,"
    assert markdown.startswith(prefix) and markdown.endswith(")")
    assert base64.b64decode(markdown[len(prefix) : -1]) == thumbnail


def test_demo_timelines_and_charts_have_small_thumbnails(demo_sets: dict[str, list[Path]]) -> None:
    for artist, paths in demo_sets.items():
        summaries = [parse_als(path, artist_name=artist) for path in paths]
        for summary in summaries:
            _assert_small_thumbnail_of(render_timeline(summary), f"timeline of {summary.als_stem}")
        chart = render_fingerprint_chart(artist, summaries, compute_fingerprint(summaries))
        _assert_small_thumbnail_of(chart, f"{artist} fingerprint")


def test_a_busy_picture_shrinks_until_it_fits() -> None:
    noise = np.random.default_rng(7).random((900, 1400, 3))  # incompressible: only shrinking helps
    thumbnail = png_thumbnail(_png(noise))
    assert len(thumbnail) <= MAX_THUMBNAIL_BYTES
    assert decode_png(thumbnail).shape[1] < 1400 // 3


def test_colours_survive_in_the_thumbnail() -> None:
    red = np.zeros((300, 600, 3))
    red[..., 0] = 1.0
    assert decode_png(png_thumbnail(_png(red)))[..., :3].mean(axis=(0, 1)) == pytest.approx(
        [1, 0, 0], abs=0.01
    )


def test_brackets_in_the_alt_text_cannot_break_the_markdown() -> None:
    assert markdown_image(b"x", "set [v2]\nfinal").startswith("![set (v2) final](data:image/png;base64,")


@pytest.mark.corpus
def test_every_corpus_timeline_has_a_small_thumbnail() -> None:
    folder = os.environ.get("DAWA_ALS_CORPUS")
    if not folder:
        pytest.skip("DAWA_ALS_CORPUS is not set")
    for path in sorted(Path(folder).glob("*.als")):
        _assert_small_thumbnail_of(render_timeline(parse_als(path)), path.stem)

"""The fingerprint chart is a real PNG of the expected size, for one set, thirty sets and none."""

from __future__ import annotations

import numpy as np
import pytest
from png_image import decode_png
from summary_factory import plugin, summary

from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.profile import compute_fingerprint, render_fingerprint_chart


def _sets(count: int) -> list[AlsSummary]:
    keys = ["A minor", "F minor", "D dorian", "C major", None]
    tools = ["FabFilter Pro-Q 3", "Serum", "Valhalla VintageVerb", "Kickstart 2", "OTT"]
    return [
        summary(
            f"Track {i}",
            tempo=(172, 174, 86, 140)[i % 4] + (i % 3) * 0.5,
            key_name=keys[i % len(keys)],
            plugins=[plugin(name, "Lead") for j, name in enumerate(tools) if i % (j + 1) == 0],
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, 30])
def test_chart_renders_a_png(count: int) -> None:
    sets = _sets(count)
    image = decode_png(render_fingerprint_chart("Kiln Theory", sets, compute_fingerprint(sets)))
    assert image.shape[:2] == (800, 1200)
    # Something is drawn: far more than a blank page of one colour.
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 50


def test_chart_of_no_sets_still_renders() -> None:
    image = decode_png(render_fingerprint_chart("Kiln Theory", [], compute_fingerprint([])))
    assert image.shape[:2] == (800, 1200)


def test_chart_depends_on_the_data() -> None:
    few, many = _sets(3), _sets(30)
    assert render_fingerprint_chart("A", few, compute_fingerprint(few)) != render_fingerprint_chart(
        "A", many, compute_fingerprint(many)
    )

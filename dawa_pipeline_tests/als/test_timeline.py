"""The timeline picture: a decodable PNG whose pixels show the clips, groups and markers of the set."""

from __future__ import annotations

import os
import random
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from png_image import decode_png
from summary_factory import summary, track

from dawa_pipeline.als.models import AlsSummary, Locator, TempoChange, TrackDetail
from dawa_pipeline.als.timeline import KIND_COLOURS, render_timeline


def make_summary(tracks: list[TrackDetail], *, name: str = "Night Drive", **facts: Any) -> AlsSummary:
    """A set of `tracks`, at 120 BPM in A minor unless the test says otherwise."""
    return summary(name, tracks=tracks, **{"tempo": 120.0, "key_name": "A minor", **facts})


def pixels_near(image: np.ndarray, hex_colour: str, tolerance: float = 0.02) -> int:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(image[..., :3] - rgb).max(axis=-1) < tolerance).sum())


def big_summary(n_tracks: int = 150, n_clips: int = 5000) -> AlsSummary:
    rng = random.Random(7)
    tracks: list[TrackDetail] = []
    for index in range(n_tracks):
        if index % 10 == 0:
            tracks.append(track(f"Group {index // 10 + 1}", "Group"))
            continue
        clips_here = n_clips // n_tracks
        starts = sorted(rng.uniform(0, 1200) for _ in range(clips_here))
        spans = [(s, s + rng.choice([1.0, 2.0, 4.0, 8.0])) for s in starts]
        kind = "Audio" if index % 3 == 0 else "MIDI"
        tracks.append(
            track(f"Track {index} {'Vox' if kind == 'Audio' else 'Synth'}", kind, spans=spans, level=1)
        )
    return make_summary(
        tracks,
        tempo=128,
        locators=[Locator(beat=float(b), name=f"Part {b // 64}") for b in range(0, 1200, 64)],
        tempo_changes=[TempoChange(beat=float(b), bpm=128 + b / 100) for b in range(0, 1200, 8)],
        name="Big Set",
    )


def test_one_track_renders_its_clips_in_the_midi_colour() -> None:
    summary = make_summary([track("Lead", "MIDI", spans=[(0, 16), (32, 48)])])
    image = decode_png(render_timeline(summary))
    height, width = image.shape[:2]
    assert 600 <= width <= 2000 and 200 <= height <= 800
    assert pixels_near(image, KIND_COLOURS["MIDI"]) > 1000
    assert pixels_near(image, KIND_COLOURS["Audio"]) < 50


def test_each_track_kind_gets_its_colour() -> None:
    summary = make_summary(
        [
            track("Drums", "Group"),
            track("Kick", "Audio", spans=[(0, 64)], level=1),
            track("Bass", "MIDI", spans=[(16, 64)]),
            track("A-Reverb", "Return"),
        ]
    )
    image = decode_png(render_timeline(summary))
    assert pixels_near(image, KIND_COLOURS["Audio"]) > 1000
    assert pixels_near(image, KIND_COLOURS["MIDI"]) > 1000
    # The group row repeats its children's clips in the group colour.
    assert pixels_near(image, KIND_COLOURS["Group"]) > 500


def test_height_grows_with_tracks_and_stays_capped() -> None:
    heights = [
        decode_png(
            render_timeline(make_summary([track(f"T{i}", "MIDI", spans=[(0, 4)]) for i in range(n)]))
        ).shape[0]
        for n in (1, 20, 60, 150, 400)
    ]
    assert heights[0] < heights[1] < heights[2] <= heights[3]
    assert heights[3] == heights[4] <= 2700


def test_large_set_renders() -> None:
    image = decode_png(render_timeline(big_summary()))
    assert image.shape[0] > 1500
    assert pixels_near(image, KIND_COLOURS["MIDI"]) > 10_000


def test_empty_arrangement_is_not_a_blank_picture() -> None:
    empty = decode_png(render_timeline(make_summary([track("Idea", "MIDI")], bars=0)))
    with_clip = decode_png(render_timeline(make_summary([track("Idea", "MIDI", spans=[(0, 16)])])))
    # Only the legend swatch is MIDI-coloured when there is no clip.
    assert pixels_near(empty, KIND_COLOURS["MIDI"]) + 1000 < pixels_near(with_clip, KIND_COLOURS["MIDI"])
    # The note is drawn in the middle of the lane area, where a blank render would be white.
    middle = empty[
        empty.shape[0] // 3 : 2 * empty.shape[0] // 3, empty.shape[1] // 3 : 2 * empty.shape[1] // 3
    ]
    assert (middle[..., :3].max(axis=-1) < 0.6).sum() > 200
    assert empty.shape == with_clip.shape


def test_no_tracks_at_all_renders() -> None:
    image = decode_png(render_timeline(make_summary([], key_name=None, bars=0)))
    assert image.shape[0] > 100


def test_locators_and_tempo_changes_are_drawn() -> None:
    tracks = [track("Pad", "Audio", spans=[(0, 128)])]
    plain = decode_png(render_timeline(make_summary(tracks)))
    marked = decode_png(
        render_timeline(
            make_summary(
                tracks,
                locators=[Locator(beat=32, name="Drop"), Locator(beat=96, name="Outro")],
                tempo_changes=[TempoChange(beat=0, bpm=120), TempoChange(beat=64, bpm=140)],
            )
        )
    )
    assert pixels_near(plain, "#C0392B", 0.05) == 0 and pixels_near(plain, "#1E8449", 0.05) == 0
    assert pixels_near(marked, "#C0392B", 0.05) > 40
    assert pixels_near(marked, "#1E8449", 0.05) > 40


def test_bars_follow_the_time_signature() -> None:
    """6/8 has three quarter-note beats per bar, so the same clips span more bars than in 4/4."""
    from dawa_pipeline.als.timeline import _beats_per_bar

    assert _beats_per_bar("4/4") == 4 and _beats_per_bar("6/8") == 3 and _beats_per_bar("7/4") == 7
    assert _beats_per_bar("garbage") == 4
    tracks = [track("Waltz", "MIDI", spans=[(0, 48)])]
    assert render_timeline(make_summary(tracks, time_signature="6/8")) != render_timeline(
        make_summary(tracks)
    )


def test_bar_labels_stay_few_and_readable_on_any_length() -> None:
    from dawa_pipeline.als.timeline import _bar_numbers

    assert _bar_numbers(300)[:3] == [1, 17, 33]  # 16-bar phrases start at 1, 17, 33 as in Live
    assert _bar_numbers(311_297)[:3] == [1, 20_000, 40_000]
    for bars in (1, 7, 64, 300, 2378, 311_297):
        assert 2 <= len(_bar_numbers(bars)) <= 25


def test_names_in_scripts_without_a_font_still_render() -> None:
    summary = make_summary(
        [track("ドラム", "MIDI", spans=[(0, 16)])], locators=[Locator(beat=4, name="mirvs - his track你好")]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decode_png(render_timeline(summary))


def test_rendering_is_deterministic_and_thread_safe() -> None:
    summary = big_summary(40, 400)
    expected = render_timeline(summary)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_timeline(summary), range(4)))
    assert all(result == expected for result in results)


CORPUS = os.environ.get("DAWA_ALS_CORPUS")
CORPUS_SETS = (
    "elixirbeats__abletoolz__11.3.41.als",
    "burtlo__space-album__space.als",
    "my5t3ry__als-parser__20200126.als",
    "offlinemark__dawtool__automation.als",
    "tioxy__alp__als2.als",
)


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS, reason="DAWA_ALS_CORPUS is not set")
@pytest.mark.parametrize("file_name", CORPUS_SETS)
def test_corpus_sets_render(file_name: str) -> None:
    parse_als = getattr(pytest.importorskip("dawa_pipeline.als"), "parse_als", None)
    if parse_als is None:
        pytest.skip("dawa_pipeline.als.parse_als is not available yet")
    summary = parse_als(Path(CORPUS or "") / file_name)
    image = decode_png(render_timeline(summary))
    assert image.shape[0] >= 200
    if any(t.arrangement_clip_spans for t in summary.tracks):
        assert sum(pixels_near(image, colour) for colour in KIND_COLOURS.values()) > 200

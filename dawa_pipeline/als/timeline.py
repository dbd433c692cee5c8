"""The seed's `timeline_visualizer.png`: a set's arrangement drawn as one row of clips per track.

Drawn with matplotlib's object API on an Agg canvas (no pyplot state, so renders may run in parallel threads)
and one compound path per track kind for the clips, so sets with thousands of clips render in well under a
second. matplotlib is imported inside the functions to keep importing the domain package light.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dawa_pipeline.als.models import AlsSummary, TrackDetail

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

KIND_COLOURS: dict[str, str] = {
    "MIDI": "#3F8FD9",
    "Audio": "#E8912D",
    "Group": "#7A7F87",
    "Return": "#9A6FD0",
}
_GROUP_BAND_COLOURS = ("#E9ECF1", "#DCE1E9", "#CFD6E1")  # darker for deeper nesting
_LOCATOR_COLOUR = "#C0392B"
_TEMPO_COLOUR = "#1E8449"

_LABEL_COLOURS: dict[str, str] = {  # darker than the clips, so names stay readable on white
    "MIDI": "#1F5F99",
    "Audio": "#A85C0C",
    "Group": "#3D4248",
    "Return": "#6A43A0",
}

_WIDTH_IN = 14.0
_DPI = 100
_TITLE_IN = 0.85  # title, subtitle and legend
_MARKER_LINE_IN = 0.22  # one line of locator or tempo labels above the lanes
_TEMPO_LANE_IN = 0.7  # tempo curve when the tempo changes too often for labelled lines
_FOOTER_IN = 0.55  # time axis
_ROW_IN = 0.3
_MAX_HEIGHT_IN = 26.0
_LANES_LEFT = 0.2  # fraction of the width kept for track names
_LANES_RIGHT = 0.985
_MAX_LABEL_CHARS = 34
_INDENT = 0.012  # fraction of the width per nesting level
_MAX_TICKS = 24
_MAX_TEMPO_LINES = 12
_BAND_GAP = 0.06  # rows left between neighbouring group bands
_MAX_MARKER_CHARS = 24
_MARKER_CHAR_PT = 4.4  # width of one 7 pt character, generously
# Used after DejaVu Sans (matplotlib's own) when installed, for names in other scripts.
_FALLBACK_FONTS = (
    "Noto Sans",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Droid Sans Fallback",
    "Arial Unicode MS",
)


@dataclass(frozen=True)
class _Row:
    track: TrackDetail
    spans: list[tuple[float, float]]


def _rows(summary: AlsSummary) -> list[_Row]:
    """One row per track in set order (the main track has no arrangement lane); groups show their children."""
    tracks = [t for t in summary.tracks if t.type != "Main"]
    rows = []
    for index, track in enumerate(tracks):
        spans = [(s, e) for s, e in track.arrangement_clip_spans if e > s]
        if track.type == "Group":
            spans = _union(
                [span for child in _children(tracks, index) for span in child.arrangement_clip_spans]
            )
        rows.append(_Row(track, spans))
    return rows


def _children(tracks: Sequence[TrackDetail], group_index: int) -> list[TrackDetail]:
    """The tracks nested under the group at `group_index`: the run of deeper tracks that follows it."""
    level = tracks[group_index].level
    children = []
    for track in tracks[group_index + 1 :]:
        if track.level <= level or track.type == "Return":
            break
        children.append(track)
    return children


def _union(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping spans merged, so a group row shows where its children play without seams."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _beats_per_bar(time_signature: str) -> float:
    """Live counts beats in quarter notes: 4/4 -> 4, 6/8 -> 3, 7/4 -> 7."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", time_signature)
    if not match or int(match.group(1)) == 0 or int(match.group(2)) == 0:
        return 4.0
    return int(match.group(1)) * 4.0 / int(match.group(2))


def _bar_numbers(total_bars: float) -> list[int]:
    """Bars to label: phrase starts (1, 17, 33...) up to 128-bar steps, round numbers on longer sets."""
    step = 1
    while total_bars / step > _MAX_TICKS and step < 128:
        step *= 2
    if total_bars / step <= _MAX_TICKS:
        return list(range(1, int(total_bars) + 2, step))
    round_steps = (n * 10**power for power in range(2, 12) for n in (2, 5, 10))
    step = next(n for n in round_steps if total_bars / n <= _MAX_TICKS)
    return [1, *range(step, int(total_bars) + 1, step)]


@functools.cache
def _fonts() -> tuple[list[str], frozenset[int]]:
    """Installed font families to draw with, and every character they can draw."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    files = {font.name: font.fname for font in font_manager.fontManager.ttflist}
    families = [name for name in ("DejaVu Sans", *_FALLBACK_FONTS) if name in files]
    drawable: set[int] = set()
    for family in families:
        drawable.update(FT2Font(files[family]).get_charmap())
    return families, frozenset(drawable)


def _drawable(text: str) -> str:
    """The text with characters no installed font can draw shown as '?' (never an empty box or a warning)."""
    drawable = _fonts()[1]
    return "".join(c if ord(c) in drawable or c.isspace() else "?" for c in text)


def _label(track: TrackDetail) -> str:
    limit = _MAX_LABEL_CHARS - 2 * track.level
    return track.name if len(track.name) <= limit else track.name[: limit - 1] + "…"


def _spaced(markers: Sequence[tuple[float, str]], x_max: float) -> list[tuple[float, str]]:
    """Markers whose labels fit before the next shown one (the lines all stay); long labels are cut short."""
    axis_pt = (_LANES_RIGHT - _LANES_LEFT) * _WIDTH_IN * 72
    shown: list[tuple[float, str]] = []
    for beat, text in sorted(markers):
        text = _drawable(text if len(text) <= _MAX_MARKER_CHARS else text[: _MAX_MARKER_CHARS - 1] + "…")
        if not shown or (beat - shown[-1][0]) / x_max * axis_pt >= len(shown[-1][1]) * _MARKER_CHAR_PT + 8:
            shown.append((beat, text))
    return shown


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _title(summary: AlsSummary) -> tuple[str, str]:
    overview = summary.overview
    key = summary.key.name or "key unknown"
    title = "  ·  ".join([summary.als_stem, f"{overview.tempo:.5g} BPM", key, overview.time_signature])
    clips = sum(t.arrangement_clips for t in summary.tracks)
    subtitle = "  ·  ".join(
        [
            summary.project_name,
            _count(overview.total_tracks, "track"),
            _count(clips, "arrangement clip"),
            f"{round(summary.arrangement.length_bars, 1):g} bars",
            "tempo automated" if summary.tempo_automated else "fixed tempo",
        ]
    )
    return title, subtitle


@dataclass(frozen=True)
class _Layout:
    """Heights in inches, top down: title, tempo labels or lane, locator labels, lanes, time axis."""

    rows: int
    row_in: float
    tempo_lane: bool
    tempo_lines: bool
    locators: bool

    @property
    def markers_in(self) -> float:
        return (
            _TEMPO_LANE_IN * self.tempo_lane
            + _MARKER_LINE_IN * self.tempo_lines
            + _MARKER_LINE_IN * self.locators
        )

    @property
    def lanes_in(self) -> float:
        return max(self.rows * self.row_in, 0.8)

    @property
    def height_in(self) -> float:
        return _TITLE_IN + self.markers_in + self.lanes_in + _FOOTER_IN

    @property
    def font(self) -> float:
        return max(4.5, min(9.0, self.row_in * 72 * 0.62))

    def lanes_box(self) -> tuple[float, float, float, float]:
        return (
            _LANES_LEFT,
            _FOOTER_IN / self.height_in,
            _LANES_RIGHT - _LANES_LEFT,
            self.lanes_in / self.height_in,
        )

    def tempo_box(self) -> tuple[float, float, float, float]:
        bottom = (_FOOTER_IN + self.lanes_in + _MARKER_LINE_IN * self.locators + 0.08) / self.height_in
        return (_LANES_LEFT, bottom, _LANES_RIGHT - _LANES_LEFT, (_TEMPO_LANE_IN - 0.16) / self.height_in)


def _layout(summary: AlsSummary, n_rows: int) -> _Layout:
    fixed = _TITLE_IN + _FOOTER_IN + _TEMPO_LANE_IN + 2 * _MARKER_LINE_IN
    many_tempos = len(summary.tempo_changes) > _MAX_TEMPO_LINES
    return _Layout(
        rows=n_rows,
        row_in=min(_ROW_IN, (_MAX_HEIGHT_IN - fixed) / max(n_rows, 1)),
        tempo_lane=many_tempos,
        tempo_lines=bool(summary.tempo_changes) and not many_tempos,
        locators=bool(summary.locators),
    )


def _clip_boxes(rows: Sequence[tuple[int, _Row]]) -> np.ndarray:
    """(n, 4, 2) corners of the rows' clips, each row's clips centred on its index (groups thinner)."""
    import numpy as np

    boxes = [
        (start, end, index, 0.2 if row.track.type == "Group" else 0.38)
        for index, row in rows
        for start, end in row.spans
    ]
    if not boxes:
        return np.empty((0, 4, 2))
    start, end, centre, half = np.array(boxes).T
    xs = np.stack([start, end, end, start], axis=1)
    ys = np.stack([centre - half, centre - half, centre + half, centre + half], axis=1)
    return np.stack([xs, ys], axis=2)


def _draw_lanes(ax: Axes, rows: Sequence[_Row], layout: _Layout) -> int:
    """Group bands (reaching into the name column), clips as one compound path per kind, indented names."""
    from matplotlib.collections import PathCollection, PolyCollection
    from matplotlib.path import Path
    from matplotlib.transforms import blended_transform_factory

    names_x = blended_transform_factory(ax.figure.transFigure, ax.transData)
    tracks = [row.track for row in rows]
    bands, band_colours = [], []
    for index, row in enumerate(rows):
        if row.track.type == "Group":
            last = index + len(_children(tracks, index))
            top, bottom = index - 0.5 + _BAND_GAP, last + 0.5 - _BAND_GAP
            bands.append([(0.005, top), (_LANES_RIGHT, top), (_LANES_RIGHT, bottom), (0.005, bottom)])
            band_colours.append(_GROUP_BAND_COLOURS[min(row.track.level, len(_GROUP_BAND_COLOURS) - 1)])
    ax.add_collection(
        PolyCollection(
            bands, facecolors=band_colours, edgecolors="none", transform=names_x, clip_on=False, zorder=0
        ),
        autolim=False,
    )

    clip_count = 0
    for kind, colour in KIND_COLOURS.items():
        boxes = _clip_boxes([(index, row) for index, row in enumerate(rows) if row.track.type == kind])
        if len(boxes):
            path = Path.make_compound_path_from_polys(boxes)
            clips = PathCollection([path], facecolors=colour, edgecolors="#FFFFFF", linewidths=0.3, zorder=2)
            ax.add_collection(clips, autolim=False)
            clip_count += len(boxes)

    for index, row in enumerate(rows):
        kind = row.track.type
        ax.text(
            0.01 + _INDENT * row.track.level, index, _drawable(_label(row.track)), transform=names_x,
            va="center", ha="left", fontsize=layout.font, fontfamily=_fonts()[0], color=_LABEL_COLOURS[kind],
            fontweight="bold" if kind == "Group" else "normal", clip_on=False,
        )  # fmt: skip
    ax.set_yticks([])
    return clip_count


def _draw_time_axis(ax: Axes, x_max: float, time_signature: str) -> None:
    beats_per_bar = _beats_per_bar(time_signature)
    bar_numbers = _bar_numbers(x_max / beats_per_bar)
    ax.set_xticks([(bar - 1) * beats_per_bar for bar in bar_numbers], [str(bar) for bar in bar_numbers])
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(f"bar ({time_signature})", fontsize=8)
    ax.grid(axis="x", color="#D5D8DC", linewidth=0.5)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _draw_marker_lines(
    ax: Axes, markers: Sequence[tuple[float, str]], colour: str, lift: float, x_max: float
) -> None:
    """Dashed lines through the lanes, labels `lift` inches above them (thinned so they never overlap)."""
    ax.vlines(
        [beat for beat, _ in markers], 0, 1, transform=ax.get_xaxis_transform(), colors=colour,
        linestyles="--", linewidth=0.8, zorder=3,
    )  # fmt: skip
    for beat, text in _spaced(markers, x_max):
        ax.annotate(
            text, (beat, 1), xycoords=ax.get_xaxis_transform(), xytext=(2, 3 + lift * 72),
            textcoords="offset points", va="bottom", ha="left", fontsize=7, fontfamily=_fonts()[0],
            color=colour, annotation_clip=False,
        )  # fmt: skip


def _draw_markers(ax: Axes, summary: AlsSummary, x_max: float, layout: _Layout) -> None:
    """Locators as red lines; tempo changes as green lines, or as a tempo curve when there are many."""
    locators = [(loc.beat, loc.name or "locator") for loc in summary.locators if 0 <= loc.beat <= x_max]
    if locators:
        _draw_marker_lines(ax, locators, _LOCATOR_COLOUR, 0.0, x_max)
    changes = [c for c in summary.tempo_changes if 0 <= c.beat <= x_max]
    if layout.tempo_lines:
        tempos = [(c.beat, f"{c.bpm:.4g} BPM") for c in changes if c.beat > 0]
        if tempos:
            _draw_marker_lines(ax, tempos, _TEMPO_COLOUR, _MARKER_LINE_IN * layout.locators, x_max)
    elif layout.tempo_lane and changes:
        lane = ax.figure.add_axes(layout.tempo_box(), sharex=ax)
        beats = [c.beat for c in changes] + [x_max]
        bpms = [c.bpm for c in changes] + [changes[-1].bpm]
        lane.plot(beats, bpms, color=_TEMPO_COLOUR, linewidth=1.0)
        lane.fill_between(beats, bpms, min(bpms), color=_TEMPO_COLOUR, alpha=0.12, linewidth=0)
        extremes = sorted({min(bpms), max(bpms)})
        lane.set_yticks(extremes, [f"{bpm:.4g}" for bpm in extremes])
        lane.set_ylabel("BPM", fontsize=7, rotation=0, ha="right", va="center", color=_TEMPO_COLOUR)
        lane.tick_params(axis="y", labelsize=7, colors=_TEMPO_COLOUR, length=2)
        lane.tick_params(axis="x", labelbottom=False, length=0)
        for side in ("top", "right", "bottom"):
            lane.spines[side].set_visible(False)


def render_timeline(summary: AlsSummary) -> bytes:
    """PNG of the set's arrangement: clips per track in set order, groups banded, locators and tempo shown."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = _rows(summary)
    layout = _layout(summary, len(rows))
    beats_per_bar = _beats_per_bar(summary.overview.time_signature)
    clip_end = max((e for row in rows for _, e in row.spans), default=0.0)
    marker_end = max(
        [loc.beat for loc in summary.locators] + [c.beat for c in summary.tempo_changes], default=0.0
    )
    x_max = max(summary.arrangement.length_beats, clip_end, marker_end, beats_per_bar * 4) * 1.02

    fig = Figure(figsize=(_WIDTH_IN, layout.height_in), dpi=_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes(layout.lanes_box())
    ax.set_xlim(0, x_max)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    clip_count = _draw_lanes(ax, rows, layout)
    _draw_time_axis(ax, x_max, summary.overview.time_signature)
    _draw_markers(ax, summary, x_max, layout)
    if not clip_count:
        note = "no arrangement clips" if rows else "no tracks"
        ax.text(
            0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", fontsize=14, color="#555555"
        )

    title, subtitle = _title(summary)
    top = 1 - 0.12 / layout.height_in
    families = _fonts()[0]
    fig.text(0.01, top, _drawable(title), fontsize=13, fontweight="bold", fontfamily=families, va="top")
    fig.text(
        0.01, top - 0.34 / layout.height_in, _drawable(subtitle), fontsize=9, fontfamily=families,
        color="#555555", va="top",
    )  # fmt: skip
    kinds = [kind for kind in KIND_COLOURS if any(row.track.type == kind for row in rows)]
    if kinds:
        fig.legend(
            handles=[Patch(color=KIND_COLOURS[kind], label=kind) for kind in kinds],
            loc="upper right", bbox_to_anchor=(_LANES_RIGHT, top + 0.04 / layout.height_in), ncols=len(kinds),
            fontsize=8, frameon=False,
        )  # fmt: skip

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


__all__ = ["KIND_COLOURS", "render_timeline"]

"""The fingerprint at a glance (PNG): where the tempos sit, the plugins most sets use, the keys.

Drawn with `matplotlib.figure.Figure` (no pyplot, so no global state and safe in threads), imported inside
the function so that importing the profile domain stays light.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.profile import vocabulary as vocab
from dawa_pipeline.profile.evidence import is_summed_up
from dawa_pipeline.profile.fingerprint import set_key
from dawa_pipeline.profile.models import Fingerprint

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_BARS = 12
MIN_SLOTS = 6
_FAMILY_COLOURS = {"minor": "#3b5b92", "major": "#d08c2c", "other": "#6e9c6a"}
_DOT = "#2f4858"
_CENTRE = "#c0392b"


def _empty_panel(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="grey")
    ax.set_xticks([])
    ax.set_yticks([])


def _tempo_panel(ax: Axes, fingerprint: Fingerprint) -> None:
    """A dot plot of the sets' tempos as written, with the (folded) cluster centres marked."""
    stacks: Counter[int] = Counter()
    dots: dict[bool, tuple[list[float], list[int]]] = {False: ([], []), True: ([], [])}
    for point in sorted(fingerprint.tempo_points, key=lambda p: (p.bpm, p.set_name)):
        column = round(point.bpm)
        stacks[column] += 1
        xs, ys = dots[point.folded_bpm != point.bpm]
        xs.append(point.bpm)
        ys.append(stacks[column])
    for folded, (xs, ys) in dots.items():
        face = "white" if folded else _DOT
        ax.scatter(xs, ys, s=70, facecolors=face, edgecolors=_DOT, linewidths=1.5, zorder=3)
    centre_sets = fingerprint.evidence.get("core_bpm_range.cluster_centers", [])
    for centre, evidence in zip(
        fingerprint.aggregates.core_bpm_range.cluster_centers, centre_sets, strict=True
    ):
        ax.axvline(centre, color=_CENTRE, linestyle="--", linewidth=1.2, zorder=2)
        ax.annotate(
            f"{centre:g} BPM: {evidence.count} {'set' if evidence.count == 1 else 'sets'}",
            xy=(centre, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-4, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            color=_CENTRE,
            fontsize=9,
        )
    values = [p.bpm for p in fingerprint.tempo_points] + list(
        fingerprint.aggregates.core_bpm_range.cluster_centers
    )
    ax.set_xlim(min(values) - 6, max(values) + 6)
    ax.set_ylim(0, max(stacks.values()) + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("tempo (BPM, as written)")
    ax.set_ylabel("sets")
    title = "Tempos - dashed: cluster centres" if centre_sets else "Tempos - no dominant tempo"
    if any(p.folded_bpm != p.bpm for p in fingerprint.tempo_points):
        title += "; hollow: half/double-time sets, counted at the folded tempo"
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(axis="x", alpha=0.3)


def _bar_slots(ax: Axes, bars: int) -> None:
    """At least MIN_SLOTS bar heights tall, bars from the top, so one bar does not fill the panel."""
    ax.set_ylim(bars - max(bars, MIN_SLOTS) - 0.5, bars - 0.5)


def _plugins_panel(ax: Axes, fingerprint: Fingerprint) -> None:
    listed = fingerprint.evidence.get("frequent_plugins_tools", [])
    plugins = [e for e in listed if not is_summed_up(e)][:MAX_BARS]
    more = len(listed) > len(plugins)
    ax.set_title(f"Plugins - share of sets{' (most used)' if more else ''}", fontsize=10, loc="left")
    if not plugins:
        _empty_panel(ax, "no plug-in in any set")
        return
    rows = list(reversed(plugins))
    shares = [100 * e.count / e.of for e in rows]
    ax.barh([e.subject for e in rows], shares, color=_DOT, height=0.7)
    _bar_slots(ax, len(rows))
    for y, evidence in enumerate(rows):
        ax.text(
            min(100 * evidence.count / evidence.of, 100) + 1,
            y,
            f"{evidence.count}/{evidence.of}",
            va="center",
        )
    ax.set_xlim(0, 115)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.tick_params(axis="y", labelsize=9)


def _keys_panel(ax: Axes, summaries: Sequence[AlsSummary], fingerprint: Fingerprint) -> None:
    ax.set_title("Keys - sets per key (bold: common keys)", fontsize=10, loc="left")
    keys = [k for s in summaries if (k := set_key(s))]
    if not keys:
        _empty_panel(ax, "no key information in these sets")
        return
    counts = Counter(name for name, _mode, _confidence in keys)
    families = {name: vocab.mode_family(mode) for name, mode, _confidence in keys}
    ranked = sorted(counts, key=lambda name: (-counts[name], name))[:MAX_BARS]
    rows = list(reversed(ranked))
    colours = [_FAMILY_COLOURS[families[name]] for name in rows]
    ax.barh(rows, [counts[name] for name in rows], color=colours, height=0.7)
    _bar_slots(ax, len(rows))
    ax.set_xlim(0, max(counts.values()) * 1.1)
    common = {e.subject for e in fingerprint.evidence.get("keys_and_modes.common_keys", [])}
    for label in ax.get_yticklabels():
        if label.get_text() in common:
            label.set_fontweight("bold")
    ax.xaxis.get_major_locator().set_params(integer=True)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=colour, label=family)
        for family, colour in _FAMILY_COLOURS.items()
        if family in families.values()
    ]
    ax.legend(
        handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, fontsize=8, frameon=False
    )


def render_fingerprint_chart(
    artist_name: str, summaries: Sequence[AlsSummary], fingerprint: Fingerprint
) -> bytes:
    """PNG bytes: tempo dot plot with cluster centres, top plugins by share of sets, keys by count."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 8), dpi=100, layout="constrained")
    sets = f"{fingerprint.set_count} {'set' if fingerprint.set_count == 1 else 'sets'}"
    figure.suptitle(f"{artist_name} - DAW fingerprint ({sets})", fontsize=14, fontweight="bold")
    if fingerprint.is_empty:
        _empty_panel(figure.add_subplot(), "no sets yet: nothing to show")
    else:
        grid = figure.add_gridspec(2, 2, height_ratios=(1, 1.3), width_ratios=(1.4, 1))
        _tempo_panel(figure.add_subplot(grid[0, :]), fingerprint)
        _plugins_panel(figure.add_subplot(grid[1, 0]), fingerprint)
        _keys_panel(figure.add_subplot(grid[1, 1]), summaries, fingerprint)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

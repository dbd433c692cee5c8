"""An artist's DAW fingerprint (`daw_fingerprint_aggregates`) from the latest summary of each of their sets.

Every statement is a plain sentence with the count of sets behind it ("909-style kicks in 4 of 5 sets"),
and the sets themselves are kept as `Evidence` beside it. Rules:
- A habit needs at least `MIN_HABIT_SETS` sets once the artist has `HABIT_FLOOR_FROM` sets or more; with
  fewer sets every observation counts. One set out of thirty is not a habit.
- Ordering is deterministic: most sets first, then the order of the vocabulary tables (or the name).
- No sets gives the empty fingerprint: `set_count` 0, every list empty, `core_bpm_range` 0-0 without
  centres. It is still a valid fingerprint, so a refresh after an artist's last set is removed clears stale
  statements instead of keeping them.
- `min`/`max` are the sets' tempos as written; centres come from half/double-time folded tempos
  (`tempo.py` has the folding and clustering rule).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from statistics import median
from typing import Any

import pandas as pd

from dawa_pipeline.als.devices import DRUM_RACK_TAG, SYNTH_TAGS, device_name
from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.profile import vocabulary as vocab
from dawa_pipeline.profile.models import (
    CoreBpmRange,
    DawFingerprintAggregates,
    DrumPalette,
    Evidence,
    Fingerprint,
    KeysAndModes,
    TempoPoint,
)
from dawa_pipeline.profile.tempo import cluster_tempos

MIN_HABIT_SETS = 2
HABIT_FLOOR_FROM = 4
TOP_PLUGINS = 10
TOP_SYNTHS = 8
TOP_KEYS = 3
COMMON_KEY_SHARE = 0.2
MODE_LEAN_SHARE = 0.6
TOP_BASS_FX = 3
TOP_SECTIONS = 5

EVIDENCE_FIELDS: tuple[str, ...] = (
    "core_bpm_range.cluster_centers",
    "keys_and_modes.common_keys",
    "keys_and_modes.modal_tendencies",
    "drum_palette.kick_character",
    "drum_palette.snare_clap_character",
    "drum_palette.percussion_notes",
    "bass_workflow",
    "core_synth_palette",
    "frequent_plugins_tools",
    "arrangement_habits",
    "tempo_tendencies",
)

_NON_MUSICAL_TYPES = ("Return", "Main")


def set_label(summary: AlsSummary) -> str:
    """How a set is named in evidence: 'project/als stem'."""
    return f"{summary.project_name}/{summary.als_stem}"


def set_key(summary: AlsSummary) -> tuple[str, str, float] | None:
    """(name, lower-case mode, confidence) of a set's key, or None when the set has no usable key."""
    key = summary.key
    if key.source == "none" or not key.name or not key.mode or key.confidence <= 0:
        return None
    return key.name, key.mode.lower(), key.confidence


def _sets_phrase(count: int, of: int) -> str:
    if count == of:
        return "in the one set" if of == 1 else f"in all {of} sets"
    return f"in {count} of {of} sets"


def _share(count: int, of: int) -> str:
    return f"({count}/{of} {'set' if of == 1 else 'sets'})"


def _half_up(value: float) -> int:
    """6.5 tracks reads 7, not Python's round-half-to-even 6."""
    return math.floor(value + 0.5)


def _counted_noun(value: float, noun: str) -> str:
    """'3 groups', '1 group', 'MIDI' and 'audio' stay as they are ('4 MIDI')."""
    count = _half_up(value)
    plural = count != 1 and noun not in ("MIDI", "audio")
    return f"{count} {noun}{'s' if plural else ''}"


def _median_detail(per_set: pd.Series, noun: str) -> str:
    """'median 2 returns' over the sets that have any; '' when none do."""
    return f"median {_counted_noun(per_set.median(), noun)}" if len(per_set) else ""


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


class _Tables:
    """The summaries as pandas frames: one row per set, track, plugin instance, name and locator."""

    def __init__(self, summaries: Sequence[AlsSummary]) -> None:
        self.summaries = summaries
        self.n = len(summaries)
        labels = [set_label(s) for s in summaries]
        seen: Counter[str] = Counter()
        self.labels = []
        for label in labels:
            seen[label] += 1
            self.labels.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
        self.tracks = pd.DataFrame(
            [
                {
                    "set": i,
                    "name": t.name,
                    "lname": t.name.lower(),
                    "type": t.type,
                    "level": t.level,
                    "devices": t.native_devices,
                    "has_automation": t.has_automation,
                }
                for i, s in enumerate(summaries)
                for t in s.tracks
            ],
            columns=["set", "name", "lname", "type", "level", "devices", "has_automation"],
        )
        self.plugins = pd.DataFrame(
            [
                {"set": i, "name": p.name, "kind": p.kind, "track": p.track}
                for i, s in enumerate(summaries)
                for p in s.plugins
            ],
            columns=["set", "name", "kind", "track"],
        )
        self.names = pd.DataFrame(
            [
                {"set": i, "text": x.name.lower(), "source": "sample"}
                for i, s in enumerate(summaries)
                for x in s.samples
            ]
            + [
                {"set": i, "text": t.name.lower(), "source": "track"}
                for i, s in enumerate(summaries)
                for t in s.tracks
                if t.type not in _NON_MUSICAL_TYPES
            ],
            columns=["set", "text", "source"],
        )
        self.sections = pd.DataFrame(
            [
                {"set": i, "section": vocab.section_name(loc.name), "position": rank / len(s.locators)}
                for i, s in enumerate(summaries)
                for rank, loc in enumerate(sorted(s.locators, key=lambda loc: loc.beat))
            ],
            columns=["set", "section", "position"],
        )

    def evidence(self, statement: str, subject: str, set_ids: Iterable[int]) -> Evidence:
        return Evidence(
            statement=statement,
            subject=subject,
            sets=sorted({self.labels[i] for i in set_ids}),
            of=self.n,
        )

    def is_habit(self, count: int) -> bool:
        floor = MIN_HABIT_SETS if self.n >= HABIT_FLOOR_FROM else 1
        return count >= floor

    def counted(
        self, observations: Iterable[tuple[str, Iterable[int]] | tuple[str, Iterable[int], str]]
    ) -> list[Evidence]:
        """'<label> in k of n sets[ (detail)]' for each observation that is a habit, most sets first."""
        found = [(obs[0], sorted(set(obs[1])), obs[2] if len(obs) == 3 else "") for obs in observations]
        ranked = sorted(
            (item for item in found if item[1] and self.is_habit(len(item[1]))),
            key=lambda item: -len(item[1]),
        )
        return [
            self.evidence(
                f"{label} {_sets_phrase(len(ids), self.n)}{f' ({detail})' if detail else ''}", label, ids
            )
            for label, ids, detail in ranked
        ]

    def shares(self, rows: pd.DataFrame, limit: int) -> list[Evidence]:
        """'<name> (k/n sets)' for the names in `rows` (columns set, name), most sets first, then by name."""
        if rows.empty:
            return []
        per_name = rows.groupby("name")["set"].agg(lambda ids: sorted(set(ids)))
        ranked = sorted(per_name.items(), key=lambda item: (-len(item[1]), str(item[0]).casefold(), item[0]))
        return [
            self.evidence(f"{name} {_share(len(ids), self.n)}", name, ids)
            for name, ids in ranked
            if self.is_habit(len(ids))
        ][:limit]

    def sets_matching(self, frame: pd.DataFrame, column: str, test: Callable[[Any], Any]) -> list[int]:
        return sorted(set(_rows_where(frame, column, test)["set"]))


def _rows_where(frame: pd.DataFrame, column: str, test: Callable[[Any], Any]) -> pd.DataFrame:
    """The rows whose `column` passes `test` (an empty frame stays a frame with its columns)."""
    return frame.loc[[bool(test(value)) for value in frame[column]]]


def _tempo(tables: _Tables) -> tuple[CoreBpmRange, list[TempoPoint], list[Evidence], list[Evidence]]:
    tempos = [s.overview.tempo for s in tables.summaries]
    clusters = cluster_tempos(tempos)
    points = [
        TempoPoint(
            set_name=tables.labels[i], bpm=t, folded_bpm=clusters.folded[i], cluster=clusters.labels[i]
        )
        for i, t in enumerate(tempos)
    ]
    centre_evidence = [
        tables.evidence(
            f"{_number(c)} BPM", f"{_number(c)} BPM", (i for i, lab in enumerate(clusters.labels) if lab == k)
        )
        for k, c in enumerate(clusters.centres)
    ]
    bpm_range = CoreBpmRange(
        min=round(min(tempos), 2), max=round(max(tempos), 2), cluster_centers=clusters.centres
    )

    n = tables.n
    folded_any = clusters.folded != tempos
    typical = median(clusters.folded)
    how = "half/double time folded" if folded_any else None
    tendencies = [
        tables.evidence(
            f"typical tempo {_number(round(typical, 1))} BPM (median of {n} {'set' if n == 1 else 'sets'}"
            + (f", {how})" if how else ")"),
            "typical tempo",
            range(n),
        )
    ]
    if n > 1:
        spread = f"tempos {_number(round(min(tempos), 1))}-{_number(round(max(tempos), 1))} BPM as written"
        if n >= 4:
            q1, q3 = pd.Series(clusters.folded).quantile([0.25, 0.75])
            spread += f", middle half {_number(round(q1, 1))}-{_number(round(q3, 1))} BPM"
        tendencies.append(tables.evidence(spread, "tempo spread", range(n)))
    folded_ids = [i for i, (t, f) in enumerate(zip(tempos, clusters.folded, strict=True)) if t != f]
    if folded_ids:
        written = sorted({_number(round(tempos[i], 1)) for i in folded_ids}, key=float)
        counted_at = sorted({_number(round(clusters.folded[i], 1)) for i in folded_ids}, key=float)
        tendencies.append(
            tables.evidence(
                f"half- or double-time feel {_sets_phrase(len(folded_ids), n)} "
                f"(written at {', '.join(written)} BPM, counted at {', '.join(counted_at)})",
                "half/double time",
                folded_ids,
            )
        )
    tendencies += tables.counted(
        [
            (
                "tempo automation or tempo changes",
                (i for i, s in enumerate(tables.summaries) if s.tempo_automated or s.tempo_changes),
            ),
            ("groove pool templates", (i for i, s in enumerate(tables.summaries) if s.groove.grooves)),
        ]
    )
    meters = Counter(s.overview.time_signature for s in tables.summaries)
    tendencies += tables.counted(
        (meter, (i for i, s in enumerate(tables.summaries) if s.overview.time_signature == meter))
        for meter in sorted(meters)
    )
    return bpm_range, points, centre_evidence, tendencies


def _keys(tables: _Tables) -> tuple[list[Evidence], list[Evidence]]:
    keyed = [(i, k) for i, s in enumerate(tables.summaries) if (k := set_key(s))]
    if not keyed:
        return [], []
    weight: Counter[str] = Counter()
    ids_by_key: dict[str, list[int]] = {}
    for i, (name, _mode, confidence) in keyed:
        weight[name] += confidence
        ids_by_key.setdefault(name, []).append(i)
    total = sum(weight.values())
    ranked = sorted(weight, key=lambda name: (-weight[name], -len(ids_by_key[name]), name))
    common = [
        tables.evidence(name, name, ids_by_key[name])
        for rank, name in enumerate(ranked[:TOP_KEYS])
        if tables.is_habit(len(ids_by_key[name])) and (rank == 0 or weight[name] / total >= COMMON_KEY_SHARE)
    ]

    family_ids: dict[str, list[int]] = {"minor": [], "major": [], "other": []}
    family_weight: Counter[str] = Counter()
    for i, (_name, mode, confidence) in keyed:
        family = vocab.mode_family(mode)
        family_ids[family].append(i)
        family_weight[family] += confidence
    known = len(keyed)
    of = f"of {known} sets" if known == tables.n else f"of {known} sets with a known key"
    tendencies: list[Evidence] = []
    for family in ("minor", "major"):
        leans = family_weight[family] / total >= MODE_LEAN_SHARE and 2 * len(family_ids[family]) > known
        if leans:
            tendencies.append(
                tables.evidence(
                    f"{family}-leaning: {len(family_ids[family])} {of}",
                    f"{family}-leaning",
                    family_ids[family],
                )
            )
    if not tendencies and family_ids["minor"] and family_ids["major"]:
        tendencies.append(
            tables.evidence(
                f"mixed major and minor: {len(family_ids['minor'])} minor, "
                f"{len(family_ids['major'])} major {of}",
                "mixed modes",
                family_ids["minor"] + family_ids["major"],
            )
        )
    colours = sorted({mode for _i, (_n, mode, _c) in keyed if mode not in vocab.PLAIN_MODES})
    tendencies += tables.counted(
        (f"{mode} colour", (i for i, (_n, m, _c) in keyed if m == mode)) for mode in colours
    )
    return common, tendencies


def _drums(tables: _Tables) -> tuple[list[Evidence], list[Evidence], list[Evidence]]:
    names = tables.names
    kick_rows = _rows_where(names, "text", vocab.KICK.search)
    kick_samples = kick_rows[kick_rows["source"] == "sample"]
    layered = kick_samples.groupby("set")["text"].nunique()

    def kick_sets(test: Callable[[str], Any]) -> list[int]:
        return tables.sets_matching(kick_rows, "text", test)

    kicks = tables.counted(
        [
            (
                "909-style kicks",
                kick_sets(vocab.NINE_O_NINE.search)
                + tables.sets_matching(
                    names, "text", lambda t: vocab.NINE_O_NINE.search(t) and vocab.DRUM_KIT.search(t)
                ),
            ),
            (
                "808 kick/bass",
                tables.sets_matching(names, "text", vocab.EIGHT_O_EIGHT.search),
            ),
            *((label, kick_sets(pattern.search)) for label, pattern in vocab.KICK_STYLES),
            ("layered kicks (two or more kick samples)", layered[layered >= 2].index.tolist()),
        ]
    )

    def named(pattern: re.Pattern[str]) -> list[int]:
        return tables.sets_matching(names, "text", pattern.search)

    snare_clap_sets = {label: named(pattern) for label, pattern in vocab.SNARE_CLAP}
    both = sorted(set(snare_clap_sets["claps"]) & set(snare_clap_sets["snares"]))
    snare_clap = tables.counted([*snare_clap_sets.items(), ("snare and clap together", both)])

    drum_rack_sets = tables.sets_matching(tables.tracks, "devices", lambda d: DRUM_RACK_TAG in d)
    percussion = tables.counted(
        [("Drum Rack", drum_rack_sets), *((label, named(pattern)) for label, pattern in vocab.PERCUSSION)]
    )
    return kicks, snare_clap, percussion


def _bass(tables: _Tables) -> list[Evidence]:
    tracks = tables.tracks
    bass = _rows_where(tracks, "lname", lambda t: vocab.BASS_TRACK.search(t) and not vocab.KICK.search(t))
    bass = bass[bass["type"].isin(["MIDI", "Audio"])]
    if bass.empty:
        return []
    bass_keys = set(zip(bass["set"], bass["name"], strict=True))
    bass_plugins = tables.plugins.assign(
        key=list(zip(tables.plugins["set"], tables.plugins["track"], strict=True))
    )
    bass_plugins = _rows_where(bass_plugins, "key", bass_keys.__contains__)
    sources: dict[str, set[int]] = {}
    effects: dict[str, set[int]] = {}
    for set_id, devices in zip(bass["set"], bass["devices"], strict=True):
        for tag in devices:
            if tag in vocab.BASS_DEVICE_TAGS:
                sources.setdefault(device_name(tag), set()).add(set_id)
            elif tag in vocab.BASS_EFFECT_TAGS:
                effects.setdefault(device_name(tag), set()).add(set_id)
    for set_id, name, kind in zip(
        bass_plugins["set"], bass_plugins["name"], bass_plugins["kind"], strict=True
    ):
        (sources if kind == "instrument" else effects).setdefault(name, set()).add(set_id)

    statements = tables.counted(
        [
            ("dedicated bass tracks", bass["set"]),
            ("808 bass tracks", _rows_where(bass, "lname", vocab.EIGHT_O_EIGHT.search)["set"]),
            ("a separate sub track", _rows_where(bass, "lname", vocab.SUB_TRACK.search)["set"]),
            ("bass as audio (recorded or resampled)", bass.loc[bass["type"] == "Audio", "set"]),
        ]
    )
    statements += tables.counted((f"bass from {name}", ids) for name, ids in sorted(sources.items()))
    statements += tables.counted((f"bass through {name}", ids) for name, ids in sorted(effects.items()))[
        :TOP_BASS_FX
    ]
    ducking = _rows_where(tables.plugins, "name", lambda n: vocab.DUCKING_PLUGIN.search(n.lower()))
    statements += tables.counted(
        (f"ducking with {name}", group["set"])
        for name, group in sorted(ducking.groupby("name"), key=lambda g: g[0])
    )
    return statements


def _synths(tables: _Tables) -> list[Evidence]:
    native = [
        {"set": set_id, "name": device_name(tag)}
        for set_id, devices in zip(tables.tracks["set"], tables.tracks["devices"], strict=True)
        for tag in devices
        if tag in SYNTH_TAGS
    ]
    instruments = tables.plugins.loc[tables.plugins["kind"] == "instrument", ["set", "name"]]
    rows = pd.concat([pd.DataFrame(native, columns=["set", "name"]), instruments], ignore_index=True)
    return tables.shares(rows, TOP_SYNTHS)


def _arrangement(tables: _Tables) -> list[Evidence]:
    summaries, n = tables.summaries, tables.n
    habits: list[Evidence] = []
    arranged = [i for i, s in enumerate(summaries) if s.arrangement.length_beats > 0]
    if arranged:
        minutes = [summaries[i].arrangement.length_seconds / 60 for i in arranged]
        bars = [summaries[i].arrangement.length_bars for i in arranged]
        text = (
            f"typical length {median(minutes):.1f} min / {median(bars):.0f} bars (median of {len(arranged)}"
        )
        text += f" {'set' if len(arranged) == 1 else 'sets'}"
        text += f", {min(minutes):.1f}-{max(minutes):.1f} min)" if len(arranged) > 1 else ")"
        habits.append(tables.evidence(text, "length", arranged))

    overview = pd.DataFrame([s.overview.model_dump() for s in summaries])
    med = overview.median(numeric_only=True)
    total = overview["total_tracks"]
    parts = [
        _counted_noun(med[column], noun)
        for column, noun in (
            ("midi_tracks", "MIDI"),
            ("audio_tracks", "audio"),
            ("group_tracks", "group"),
            ("return_tracks", "return"),
        )
        if _half_up(med[column])
    ]
    text = f"typical set: {_counted_noun(med['total_tracks'], 'track')}"
    text += f" ({', '.join(parts)})" if parts else ""
    if n > 1:
        same = total.min() == total.max()
        text += "; every set the same size" if same else f"; {total.min()}-{total.max()} tracks across sets"
    habits.append(tables.evidence(text, "track count", range(n)))

    musical = tables.tracks[~tables.tracks["type"].isin(_NON_MUSICAL_TYPES)]
    automated = _rows_where(musical, "has_automation", bool).groupby("set").size()
    sections = _rows_where(tables.sections, "section", bool)
    # Most sets first; ties in the order the sections come in a set (intro before drop before outro).
    first_use = sections.groupby(["section", "set"])["position"].min().groupby("section")
    per_section = pd.DataFrame({"sets": first_use.size(), "position": first_use.mean()})
    common = sorted(
        (
            (name, int(row.sets), row.position)
            for name, row in per_section.iterrows()
            if tables.is_habit(row.sets)
        ),
        key=lambda item: (-item[1], item[2], item[0]),
    )[:TOP_SECTIONS]
    located = sorted(set(tables.sections["set"]))
    if located and tables.is_habit(len(located)):
        text = f"sections marked with locators {_sets_phrase(len(located), n)}"
        text += (
            ", most often " + ", ".join(f"{name} ({count})" for name, count, _ in common) if common else ""
        )
        habits.append(tables.evidence(text, "locators", located))
    tracks = tables.tracks
    nested = tracks.loc[(tracks["type"] == "Group") & (tracks["level"] > 0), "set"]
    with_returns = overview.index[overview["return_tracks"] > 0]
    habits += tables.counted(
        [
            ("session-view only (no arrangement)", (i for i in range(n) if i not in set(arranged))),
            ("tracks organised in groups", overview.index[overview["group_tracks"] > 0]),
            ("nested groups", nested),
            ("automation", automated.index, _median_detail(automated, "automated track")),
            (
                "return tracks",
                with_returns,
                _median_detail(overview.loc[with_returns, "return_tracks"], "return"),
            ),
        ]
    )
    return habits


def _empty() -> Fingerprint:
    aggregates = DawFingerprintAggregates(
        core_bpm_range=CoreBpmRange(min=0, max=0, cluster_centers=[]),
        keys_and_modes=KeysAndModes(common_keys=[], modal_tendencies=[]),
        drum_palette=DrumPalette(kick_character=[], snare_clap_character=[], percussion_notes=[]),
        bass_workflow=[],
        core_synth_palette=[],
        frequent_plugins_tools=[],
        arrangement_habits=[],
        tempo_tendencies=[],
    )
    return Fingerprint(
        aggregates=aggregates, evidence={f: [] for f in EVIDENCE_FIELDS}, set_count=0, tempo_points=[]
    )


def compute_fingerprint(summaries: Sequence[AlsSummary]) -> Fingerprint:
    """Aggregate the latest summary of each of an artist's sets (the caller dedupes versions of a set)."""
    if not summaries:
        return _empty()
    tables = _Tables(summaries)
    bpm_range, points, centres, tempo_tendencies = _tempo(tables)
    common_keys, modal = _keys(tables)
    kicks, snare_clap, percussion = _drums(tables)
    evidence = {
        "core_bpm_range.cluster_centers": centres,
        "keys_and_modes.common_keys": common_keys,
        "keys_and_modes.modal_tendencies": modal,
        "drum_palette.kick_character": kicks,
        "drum_palette.snare_clap_character": snare_clap,
        "drum_palette.percussion_notes": percussion,
        "bass_workflow": _bass(tables),
        "core_synth_palette": _synths(tables),
        "frequent_plugins_tools": tables.shares(tables.plugins[["set", "name"]], TOP_PLUGINS),
        "arrangement_habits": _arrangement(tables),
        "tempo_tendencies": tempo_tendencies,
    }

    def said(field: str) -> list[str]:
        return [e.statement for e in evidence[field]]

    aggregates = DawFingerprintAggregates(
        core_bpm_range=bpm_range,
        keys_and_modes=KeysAndModes(
            common_keys=said("keys_and_modes.common_keys"),
            modal_tendencies=said("keys_and_modes.modal_tendencies"),
        ),
        drum_palette=DrumPalette(
            kick_character=said("drum_palette.kick_character"),
            snare_clap_character=said("drum_palette.snare_clap_character"),
            percussion_notes=said("drum_palette.percussion_notes"),
        ),
        bass_workflow=said("bass_workflow"),
        core_synth_palette=said("core_synth_palette"),
        frequent_plugins_tools=said("frequent_plugins_tools"),
        arrangement_habits=said("arrangement_habits"),
        tempo_tendencies=said("tempo_tendencies"),
    )
    return Fingerprint(aggregates=aggregates, evidence=evidence, set_count=tables.n, tempo_points=points)

"""An artist's DAW fingerprint (`daw_fingerprint_aggregates`) from the latest summary of each of their sets.

Every statement is a plain sentence with the count of sets behind it ("909-style kicks in 4 of 5 sets",
"Serum in 1 of 5 sets"), and the sets themselves are kept as `Evidence` beside it. Rules:
- A field says what the sets show, ranked by how many sets show it, even when nothing repeats; long fields
  are capped (see `evidence.Tables.counted`). A field is empty only when no set holds evidence for it, and
  `Fingerprint.missing_evidence` then says which evidence was missing.
- Ordering is deterministic: most sets first, then the order of the vocabulary tables (or the name).
- No sets gives the empty fingerprint: `set_count` 0, every list empty, `core_bpm_range` 0-0 without
  centres. It is still a valid fingerprint, so a refresh after an artist's last set is removed clears stale
  statements instead of keeping them.
- `min`/`max` are the sets' tempos as written; centres come from half/double-time folded tempos, only where
  sets really gather (`tempo.py`); with no centre, `tempo_tendencies` opens with "no dominant tempo".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from statistics import median

import pandas as pd

from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.profile import instruments
from dawa_pipeline.profile import vocabulary as vocab
from dawa_pipeline.profile.evidence import NON_MUSICAL_TYPES, Tables, rows_where, sets_phrase
from dawa_pipeline.profile.models import (
    CoreBpmRange,
    DawFingerprintAggregates,
    DrumPalette,
    Evidence,
    Fingerprint,
    KeysAndModes,
    TempoPoint,
)
from dawa_pipeline.profile.tempo import CENTRE_TOLERANCE_BPM, MIN_CLUSTER_SETS, cluster_tempos

TOP_KEYS = 3
MODE_LEAN_SHARE = 0.6
TOP_SECTIONS = 5
MAX_LISTED_TEMPOS = 8
MAX_SECTION_CHARS = 24

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

# What each field is read from, for the "missing evidence" description of an empty field.
EVIDENCE_SOUGHT: dict[str, str] = {
    "keys_and_modes.common_keys": (
        "no set has a key (no scale setting, no in-key clips, no pitched MIDI notes)"
    ),
    "keys_and_modes.modal_tendencies": "no set has a key with a major or minor mode",
    "drum_palette.kick_character": (
        "no kick in track, clip, Drum Rack pad or sample names, and no kick synth plug-in"
    ),
    "drum_palette.snare_clap_character": (
        "no snare, clap, rim or snap in track, clip, Drum Rack pad or sample names"
    ),
    "drum_palette.percussion_notes": (
        "no Drum Rack, Impulse, drum plug-in or drum group, and no hat or percussion names"
    ),
    "bass_workflow": (
        "no bass-named track, no MIDI part in the bass register, no sidechain from the kick "
        "and no ducking plug-in"
    ),
    "core_synth_palette": "no native synth (Operator, Wavetable, Analog...) and no synth plug-in",
    "frequent_plugins_tools": "no plug-in in any set (native devices only)",
}


def set_key(summary: AlsSummary) -> tuple[str, str, float] | None:
    """(name, lower-case mode, confidence) of a set's key, or None when the set has no usable key."""
    key = summary.key
    if key.source == "none" or not key.name or not key.mode or key.confidence <= 0:
        return None
    return key.name, key.mode.lower(), key.confidence


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


def _bpm_span(values: Sequence[float]) -> str:
    low, high = _number(round(min(values), 1)), _number(round(max(values), 1))
    return low if low == high else f"{low}-{high}"


def _short(name: str) -> str:
    """A locator name cut to MAX_SECTION_CHARS, so a sentence-long marker does not swamp the list."""
    return name if len(name) <= MAX_SECTION_CHARS else name[: MAX_SECTION_CHARS - 1].rstrip() + "…"


def _sets(count: int) -> str:
    return f"{count} {'set' if count == 1 else 'sets'}"


def _tempo(tables: Tables) -> tuple[CoreBpmRange, list[TempoPoint], list[Evidence], list[Evidence]]:
    tempos = [s.overview.tempo for s in tables.summaries]
    clusters = cluster_tempos(tempos)
    points = [
        TempoPoint(
            set_name=tables.labels[i], bpm=t, folded_bpm=clusters.folded[i], cluster=clusters.labels[i]
        )
        for i, t in enumerate(tempos)
    ]
    members = [[i for i, lab in enumerate(clusters.labels) if lab == k] for k in range(len(clusters.centres))]
    centre_evidence = [
        tables.evidence(f"{_number(c)} BPM", f"{_number(c)} BPM", ids)
        for c, ids in zip(clusters.centres, members, strict=True)
    ]
    bpm_range = CoreBpmRange(
        min=round(min(tempos), 2), max=round(max(tempos), 2), cluster_centers=clusters.centres
    )

    n = tables.n
    folded_note = " as counted, half/double time folded" if clusters.folded != tempos else ""
    tendencies = []
    for centre, ids in sorted(zip(clusters.centres, members, strict=True), key=lambda cm: -len(cm[1])):
        span = _bpm_span([clusters.folded[i] for i in ids])
        detail = "" if span == _number(centre) else f" ({span} BPM{folded_note})"
        tendencies.append(
            tables.evidence(
                f"around {_number(centre)} BPM {sets_phrase(len(ids), n)}{detail}",
                f"{_number(centre)} BPM",
                ids,
            )
        )
    loose = [i for i, lab in enumerate(clusters.labels) if lab is None]
    if not clusters.centres:
        tendencies.append(
            tables.evidence(
                f"no dominant tempo: {_bpm_span(tempos)} BPM over {_sets(n)}", "no dominant tempo", range(n)
            )
        )
    elif loose:
        listed = sorted({_number(round(tempos[i], 1)) for i in loose}, key=float)
        more = f" and {len(listed) - MAX_LISTED_TEMPOS} more" if len(listed) > MAX_LISTED_TEMPOS else ""
        tendencies.append(
            tables.evidence(
                f"away from the centres {sets_phrase(len(loose), n)}: "
                f"{', '.join(listed[:MAX_LISTED_TEMPOS])}{more} BPM",
                "away from the centres",
                loose,
            )
        )
    if min(tempos) != max(tempos):
        if not clusters.centres and n <= MAX_LISTED_TEMPOS:
            spread = f"tempos as written: {', '.join(_number(round(t, 1)) for t in sorted(tempos))} BPM"
        else:
            spread = f"tempos {_bpm_span(tempos)} BPM as written"
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
                f"half- or double-time feel {sets_phrase(len(folded_ids), n)} "
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


def _keys(tables: Tables) -> tuple[list[Evidence], list[Evidence]]:
    """Keys ranked by confidence-weighted sets (the top TOP_KEYS, the rest summed up), and the mode lean."""
    keyed = [(i, k) for i, s in enumerate(tables.summaries) if (k := set_key(s))]
    if not keyed:
        return [], []
    weight: Counter[str] = Counter()
    ids_by_key: dict[str, list[int]] = {}
    for i, (name, _mode, confidence) in keyed:
        weight[name] += confidence
        ids_by_key.setdefault(name, []).append(i)
    ranked = sorted(weight, key=lambda name: (-weight[name], -len(ids_by_key[name]), name))
    common = [
        tables.evidence(f"{name} {sets_phrase(len(ids_by_key[name]), tables.n)}", name, ids_by_key[name])
        for name in ranked[:TOP_KEYS]
    ]
    if len(ranked) > TOP_KEYS:
        common += tables.counted(
            ((name, ids_by_key[name]) for name in ranked[TOP_KEYS:]), limit=1, noun="keys"
        )

    total = sum(weight.values())
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


def _arrangement(tables: Tables) -> list[Evidence]:
    summaries, n = tables.summaries, tables.n
    habits: list[Evidence] = []
    arranged = [i for i, s in enumerate(summaries) if s.arrangement.length_beats > 0]
    if arranged:
        minutes = [summaries[i].arrangement.length_seconds / 60 for i in arranged]
        bars = [summaries[i].arrangement.length_bars for i in arranged]
        text = f"typical length {median(minutes):.1f} min / {median(bars):.0f} bars"
        text += f" (median of {_sets(len(arranged))}"
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

    tracks = tables.tracks
    musical = tracks[~tracks["type"].isin(NON_MUSICAL_TYPES)]
    automated = rows_where(musical, "has_automation", bool).groupby("set").size()
    sections = rows_where(tables.sections, "section", bool)
    # Most sets first; ties in the order the sections come in a set (intro before drop before outro).
    first_use = sections.groupby(["section", "set"])["position"].min().groupby("section")
    per_section = pd.DataFrame({"sets": first_use.size(), "position": first_use.mean()})
    common = sorted(
        ((name, int(row.sets), row.position) for name, row in per_section.iterrows()),
        key=lambda item: (-item[1], item[2], item[0]),
    )[:TOP_SECTIONS]
    located = sorted(set(tables.sections["set"]))
    if located:
        text = f"sections marked with locators {sets_phrase(len(located), n)}"
        text += ", most often " + ", ".join(f"{_short(name)} ({count})" for name, count, _ in common)
        habits.append(tables.evidence(text, "locators", located))
    nested = tracks.loc[(tracks["type"] == "Group") & (tracks["level"] > 0), "set"]
    with_returns = overview.index[overview["return_tracks"] > 0]
    sidechained = rows_where(tracks, "sidechain_from", bool)["set"]
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
            ("sidechain routing between tracks", sidechained),
        ]
    )
    return habits


def _missing(evidence: dict[str, list[Evidence]], tempos: Sequence[float]) -> dict[str, str]:
    """For each empty field, what the sets lacked (an empty list is never silent)."""
    missing = {field: reason for field, reason in EVIDENCE_SOUGHT.items() if not evidence[field]}
    if not evidence["core_bpm_range.cluster_centers"]:
        missing["core_bpm_range.cluster_centers"] = (
            f"no {MIN_CLUSTER_SETS} sets within {_number(CENTRE_TOLERANCE_BPM)} BPM of a common centre, "
            f"half/double time folded ({_bpm_span(tempos)} BPM over {_sets(len(tempos))})"
        )
    return missing


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
        aggregates=aggregates,
        evidence={f: [] for f in EVIDENCE_FIELDS},
        set_count=0,
        tempo_points=[],
        missing_evidence={f: "no sets" for f in EVIDENCE_FIELDS},
    )


def compute_fingerprint(summaries: Sequence[AlsSummary]) -> Fingerprint:
    """Aggregate the latest summary of each of an artist's sets (the caller dedupes versions of a set)."""
    if not summaries:
        return _empty()
    tables = Tables(summaries)
    bpm_range, points, centres, tempo_tendencies = _tempo(tables)
    common_keys, modal = _keys(tables)
    kicks, snare_clap, percussion = instruments.drums(tables)
    evidence = {
        "core_bpm_range.cluster_centers": centres,
        "keys_and_modes.common_keys": common_keys,
        "keys_and_modes.modal_tendencies": modal,
        "drum_palette.kick_character": kicks,
        "drum_palette.snare_clap_character": snare_clap,
        "drum_palette.percussion_notes": percussion,
        "bass_workflow": instruments.bass(tables),
        "core_synth_palette": instruments.synths(tables),
        "frequent_plugins_tools": instruments.plugins(tables),
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
    return Fingerprint(
        aggregates=aggregates,
        evidence=evidence,
        set_count=tables.n,
        tempo_points=points,
        missing_evidence=_missing(evidence, [p.bpm for p in points]),
    )


def describe_missing_evidence(fingerprint: Fingerprint) -> str:
    """Markdown for a materialization: each empty field and the evidence its sets lacked."""
    if not fingerprint.missing_evidence:
        return "every field has evidence"
    rows = "\n".join(f"| {field} | {reason} |" for field, reason in fingerprint.missing_evidence.items())
    return "| empty field | evidence missing |\n|---|---|\n" + rows

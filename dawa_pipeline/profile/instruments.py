"""Drums, bass, synths and plug-ins of a fingerprint, from the evidence real sets carry: track, clip, Drum
Rack pad and sample names, native devices and plug-ins, the note range of MIDI parts, sidechain routing and
the groups tracks sit in. Words and device families come from `vocabulary` and `als.devices`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from dawa_pipeline.als.devices import (
    DRUM_PLUGINS,
    DRUM_RACK_TAG,
    KICK_PLUGINS,
    SAMPLER_PLUGINS,
    SYNTH_TAGS,
    device_name,
    in_family,
)
from dawa_pipeline.als.keys import note_name
from dawa_pipeline.profile import vocabulary as vocab
from dawa_pipeline.profile.evidence import Tables, rows_where
from dawa_pipeline.profile.models import Evidence

TOP_PLUGINS = 10
TOP_SYNTHS = 8
TOP_BASS_TOOLS = 6
TOP_DRUM_NOTES = 8
_IMPULSE_TAG = "InstrumentImpulse"
_BASS_REGISTER = (
    f"median note {note_name(vocab.BASS_REGISTER.start)}-{note_name(vocab.BASS_REGISTER.stop - 1)}"
)


def _instrument_plugins(tables: Tables, families: tuple[str, ...]) -> pd.DataFrame:
    """Plug-in instances whose name is in one of `families` (any kind: Live may not know an AU's kind)."""
    return rows_where(tables.plugins, "name", lambda name: in_family(name, families))


def drums(tables: Tables) -> tuple[list[Evidence], list[Evidence], list[Evidence]]:
    """(kick_character, snare_clap_character, percussion_notes)."""
    names = tables.names
    kick_rows = rows_where(names, "text", vocab.KICK.search)
    kick_samples = kick_rows[kick_rows["source"] == "sample"]
    layered = kick_samples.groupby("set")["text"].nunique()
    kick_plugins = _instrument_plugins(tables, KICK_PLUGINS)

    def kick_sets(test: Callable[[str], Any]) -> list[int]:
        return tables.sets_matching(kick_rows, "text", test)

    def named(pattern: re.Pattern[str]) -> list[int]:
        return tables.sets_matching(names, "text", pattern.search)

    kicks = tables.counted(
        [
            ("kicks (named tracks, clips, pads or samples)", sorted(set(kick_rows["set"]))),
            (
                "909-style kicks",
                kick_sets(vocab.NINE_O_NINE.search)
                + tables.sets_matching(
                    names, "text", lambda t: vocab.NINE_O_NINE.search(t) and vocab.DRUM_KIT.search(t)
                ),
            ),
            ("808 kick/bass", named(vocab.EIGHT_O_EIGHT)),
            *((label, kick_sets(pattern.search)) for label, pattern in vocab.KICK_STYLES),
            ("layered kicks (two or more kick samples)", layered[layered >= 2].index.tolist()),
            *(
                (f"kick synth {name}", group["set"])
                for name, group in sorted(kick_plugins.groupby("name"), key=lambda g: g[0])
            ),
        ]
    )

    snare_clap_sets = {label: named(pattern) for label, pattern in vocab.SNARE_CLAP}
    both = sorted(set(snare_clap_sets["claps"]) & set(snare_clap_sets["snares"]))
    snare_clap = tables.counted([*snare_clap_sets.items(), ("snare and clap together", both)])

    tracks = tables.tracks
    drum_plugins = rows_where(
        tables.plugins,
        "name",
        lambda name: in_family(name, DRUM_PLUGINS) and not in_family(name, KICK_PLUGINS),
    )
    drum_groups = rows_where(tracks, "group", vocab.DRUM_GROUP.search)
    percussion = tables.counted(
        [
            ("Drum Rack", tables.sets_matching(tracks, "devices", lambda d: DRUM_RACK_TAG in d)),
            ("Impulse", tables.sets_matching(tracks, "devices", lambda d: _IMPULSE_TAG in d)),
            *(
                (f"drums from {name}", group["set"])
                for name, group in sorted(drum_plugins.groupby("name"), key=lambda g: g[0])
            ),
            ("drums grouped on a drum bus", drum_groups["set"]),
            *((label, named(pattern)) for label, pattern in vocab.PERCUSSION),
        ],
        limit=TOP_DRUM_NOTES,
        noun="percussion notes",
    )
    return kicks, snare_clap, percussion


def _bass_tracks(tables: Tables) -> pd.DataFrame:
    """Tracks named for bass, or pitched MIDI parts in the bass register; kick tracks are not bass."""
    tracks = tables.tracks
    named = [bool(vocab.BASS_TRACK.search(t)) and not vocab.KICK.search(t) for t in tracks["lname"]]
    low = [not pd.isna(p) and int(p) in vocab.BASS_REGISTER for p in tracks["median_pitch"]]
    keep = [
        kind in ("MIDI", "Audio") and (by_name or (by_pitch and not vocab.KICK.search(lname)))
        for kind, lname, by_name, by_pitch in zip(tracks["type"], tracks["lname"], named, low, strict=True)
    ]
    by_register = [by_pitch and not by_name for by_name, by_pitch in zip(named, low, strict=True)]
    return tracks.assign(by_register=by_register).loc[keep]


def _sidechained_from_drums(tables: Tables) -> list[int]:
    """Sets where a sidechain input is keyed from a kick or drum track."""
    tracks = tables.tracks
    drum_names = {
        (set_id, name)
        for set_id, name, lname, devices in zip(
            tracks["set"], tracks["name"], tracks["lname"], tracks["devices"], strict=True
        )
        if vocab.KICK.search(lname) or vocab.DRUM_GROUP.search(lname) or DRUM_RACK_TAG in devices
    }
    return sorted(
        {
            set_id
            for set_id, sources in zip(tracks["set"], tracks["sidechain_from"], strict=True)
            if any((set_id, source) in drum_names for source in sources)
        }
    )


def bass(tables: Tables) -> list[Evidence]:
    bass_tracks = _bass_tracks(tables)
    sources: dict[str, set[int]] = {}
    effects: dict[str, set[int]] = {}
    for set_id, devices in zip(bass_tracks["set"], bass_tracks["devices"], strict=True):
        for tag in devices:
            if tag in vocab.BASS_DEVICE_TAGS:
                sources.setdefault(device_name(tag), set()).add(set_id)
            elif tag in vocab.BASS_EFFECT_TAGS:
                effects.setdefault(device_name(tag), set()).add(set_id)
    keys = set(zip(bass_tracks["set"], bass_tracks["name"], strict=True))
    plugins = tables.plugins
    on_bass = plugins.loc[[key in keys for key in zip(plugins["set"], plugins["track"], strict=True)]]
    for set_id, name, kind in zip(on_bass["set"], on_bass["name"], on_bass["kind"], strict=True):
        (sources if kind == "instrument" else effects).setdefault(name, set()).add(set_id)
    ducking = rows_where(plugins, "name", lambda n: vocab.DUCKING_PLUGIN.search(n.lower()))

    statements = tables.counted(
        [
            ("dedicated bass tracks", bass_tracks.loc[~bass_tracks["by_register"], "set"]),
            (
                f"MIDI parts in the bass register ({_BASS_REGISTER})",
                bass_tracks.loc[bass_tracks["by_register"], "set"],
            ),
            ("808 bass tracks", rows_where(bass_tracks, "lname", vocab.EIGHT_O_EIGHT.search)["set"]),
            ("a separate sub track", rows_where(bass_tracks, "lname", vocab.SUB_TRACK.search)["set"]),
            ("bass as audio (recorded or resampled)", bass_tracks.loc[bass_tracks["type"] == "Audio", "set"]),
            ("sidechain keyed from the kick or drums", _sidechained_from_drums(tables)),
            *(
                (f"ducking with {name}", group["set"])
                for name, group in sorted(ducking.groupby("name"), key=lambda g: g[0])
            ),
        ]
    )
    statements += tables.counted(
        ((f"bass from {name}", ids) for name, ids in sorted(sources.items())),
        limit=TOP_BASS_TOOLS,
        noun="bass instruments",
    )
    statements += tables.counted(
        ((f"bass through {name}", ids) for name, ids in sorted(effects.items())),
        limit=TOP_BASS_TOOLS,
        noun="bass effects",
    )
    return statements


def synths(tables: Tables) -> list[Evidence]:
    """Native synths and instrument plug-ins, drum machines and samplers left to the drums."""
    native = [
        {"set": set_id, "name": device_name(tag)}
        for set_id, devices in zip(tables.tracks["set"], tables.tracks["devices"], strict=True)
        for tag in devices
        if tag in SYNTH_TAGS
    ]
    instruments = tables.plugins.loc[tables.plugins["kind"] == "instrument", ["set", "name"]]
    instruments = rows_where(
        instruments, "name", lambda name: not in_family(name, DRUM_PLUGINS + SAMPLER_PLUGINS)
    )
    rows = pd.concat([pd.DataFrame(native, columns=["set", "name"]), instruments], ignore_index=True)
    return tables.named_counts(rows, limit=TOP_SYNTHS, noun="synths")


def plugins(tables: Tables) -> list[Evidence]:
    return tables.named_counts(tables.plugins[["set", "name"]], limit=TOP_PLUGINS, noun="plug-ins")

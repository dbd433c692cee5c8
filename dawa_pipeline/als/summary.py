"""Turn the walk's per-track facts into an `AlsSummary`: display names, nesting, the seed's maps, extras."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath

from dawa_pipeline.als import xml_paths as xp
from dawa_pipeline.als.container import SourceFacts
from dawa_pipeline.als.file_refs import FileRefFacts
from dawa_pipeline.als.genre import infer_genres
from dawa_pipeline.als.keys import ScaleSetting, resolve_key
from dawa_pipeline.als.models import (
    AlsSummary,
    Arrangement,
    Groove,
    HierarchyNode,
    LiveVersion,
    Locator,
    NoteRange,
    Overview,
    ParserInfo,
    PluginInstance,
    SampleIndexEntry,
    SampleRef,
    Scene,
    Source,
    TrackBreakdownEntry,
    TrackDetail,
)
from dawa_pipeline.als.tracks import MasterFacts, TrackFacts

_VERSION = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(b\d*)?")
_SEED_TRACK_TYPES = ("MIDI", "Audio")
_HIERARCHY_TYPES = ("MIDI", "Audio", "Group")


@dataclass(frozen=True)
class Identification:
    file_name: str
    project_name: str
    project_folder: str
    artist_name: str
    parser_name: str
    parser_version: str


@dataclass
class SetFacts:
    """Everything the walk gathered; `build_summary` turns it into an `AlsSummary`."""

    root_attributes: dict[str, str] = field(default_factory=dict)
    tracks: list[TrackFacts] = field(default_factory=list)
    master: TrackFacts | None = None
    master_mixer: MasterFacts | None = None
    scenes: list[Scene] = field(default_factory=list)
    locators: list[Locator] = field(default_factory=list)
    scale: ScaleSetting | None = None
    in_key: bool | None = None
    grooves: list[str] = field(default_factory=list)


class _UniqueNames:
    """Visible suffixes for repeated names: "Bass", "Bass (2)", never a lost entry."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str) -> str:
        candidate, number = name, 1
        while candidate in self._taken:
            number += 1
            candidate = f"{name} ({number})"
        self._taken.add(candidate)
        return candidate


def live_version(attributes: dict[str, str]) -> LiveVersion:
    creator = attributes.get("Creator", "")
    minor_version = attributes.get("MinorVersion", "")
    match = _VERSION.search(creator.removeprefix("Ableton Live")) or _VERSION.match(minor_version)
    numbers = [int(part) if part else None for part in match.groups()[:3]] if match else [None, None, None]
    if not creator and match:  # MinorVersion "11.0_11300" names only the line
        numbers[1:] = [None, None]
    return LiveVersion(
        creator=creator,
        major_version=attributes.get("MajorVersion", ""),
        minor_version=minor_version,
        major=numbers[0],
        minor=numbers[1],
        patch=numbers[2],
        beta=bool(match and match.group(4) and creator),
    )


def _display_names(facts: SetFacts) -> list[str]:
    """Names for tracks then master; Live 8 stores no generated name, so build Live's "<n> <Type>"."""
    names, unique = [], _UniqueNames()
    numbered = returns = 0
    for track in facts.tracks:
        if track.kind == "Return":
            returns += 1
            fallback = f"{chr(ord('A') + (returns - 1) % 26)} Return"
        else:
            numbered += 1
            fallback = f"{numbered} {track.kind}"
        names.append(unique.claim(track.stored_name or fallback))
    assert facts.master is not None
    names.append(unique.claim(xp.MASTER_TRACK_NAMES[facts.master.tag]))
    return names


def _levels_and_parents(tracks: list[TrackFacts]) -> list[tuple[int, int | None]]:
    """(nesting level, index of the parent group) per track; groups are listed before their children."""
    groups: dict[str, int] = {}
    result: list[tuple[int, int | None]] = []
    for position, track in enumerate(tracks):
        parent = groups.get(track.group_id) if track.group_id is not None else None
        level = 0 if parent is None else result[parent][0] + 1
        result.append((level, parent))
        if track.kind == "Group" and track.id is not None:
            groups[track.id] = position
    return result


def _hierarchy(
    tracks: list[TrackFacts], names: list[str], nesting: list[tuple[int, int | None]]
) -> list[HierarchyNode]:
    roots: list[HierarchyNode] = []
    nodes: dict[int, HierarchyNode] = {}
    for position, track in enumerate(tracks):
        if track.kind not in _HIERARCHY_TYPES:
            continue
        level, parent = nesting[position]
        node = HierarchyNode(
            name=names[position],
            type=track.kind,  # type: ignore[arg-type]
            index=position,
            level=level,
            children=[] if track.kind == "Group" else None,
        )
        nodes[position] = node
        holder = nodes.get(parent) if parent is not None else None
        (roots if holder is None or holder.children is None else holder.children).append(node)
    return roots


class _SampleIndex:
    """Samples keyed by file name; the same file used twice is one entry, two files sharing a name get a
    visible suffix."""

    def __init__(self) -> None:
        self.entries: dict[str, SampleRef] = {}
        self._keys_by_identity: dict[str, str] = {}
        self._names = _UniqueNames()

    def add(self, track_name: str, samples: Iterable[FileRefFacts]) -> list[str]:
        keys: list[str] = []
        for sample in samples:
            key = self._keys_by_identity.get(sample.identity)
            if key is None:
                key = self._names.claim(sample.name)
                self._keys_by_identity[sample.identity] = key
                self.entries[key] = SampleRef(
                    name=sample.name,
                    relative_path=sample.relative_path,
                    absolute_path=sample.absolute_path,
                    tracks=[],
                )
            entry = self.entries[key]
            if track_name not in entry.tracks:
                entry.tracks.append(track_name)
            if key not in keys:
                keys.append(key)
        return keys


def _arrangement(tracks: list[TrackFacts], tempo: float, time_signature: str) -> Arrangement:
    beats = max((end for t in tracks for _, end in t.arrangement_spans), default=0.0)
    numerator, denominator = (int(part) for part in time_signature.split("/"))
    beats_per_bar = numerator * 4 / denominator
    return Arrangement(
        length_beats=beats,
        length_seconds=round(beats * 60.0 / tempo, 3) if tempo > 0 else 0.0,
        length_bars=round(beats / beats_per_bar, 3),
    )


def _note_range(pitch_counts: Counter[int]) -> NoteRange | None:
    if not pitch_counts:
        return None
    pitches = sorted(pitch_counts)
    half, seen = (pitch_counts.total() + 1) // 2, 0
    for pitch in pitches:
        seen += pitch_counts[pitch]
        if seen >= half:
            return NoteRange(low=pitches[0], median=pitch, high=pitches[-1])
    raise AssertionError("unreachable: the counts add up to their total")


def build_summary(facts: SetFacts, ident: Identification, source: SourceFacts) -> AlsSummary:
    assert facts.master is not None and facts.master_mixer is not None
    mixer = facts.master_mixer
    all_tracks = [*facts.tracks, facts.master]
    names = _display_names(facts)
    nesting = [*_levels_and_parents(facts.tracks), (0, None)]
    names_by_id = {t.id: name for t, name in zip(all_tracks, names, strict=True) if t.id is not None}
    samples = _SampleIndex()
    details: list[TrackDetail] = []
    plugins: list[PluginInstance] = []
    for position, track in enumerate(all_tracks):
        name = names[position]
        level, parent = nesting[position]
        plugin_names = [plugin.name for plugin in track.plugins]
        plugins.extend(
            PluginInstance(
                raw_name=p.raw_name, name=p.name, format=p.format, vendor=p.vendor, kind=p.kind, track=name
            )
            for p in track.plugins
        )
        details.append(
            TrackDetail(
                name=name,
                type=track.kind,  # type: ignore[arg-type]
                id=track.id,
                group=None if parent is None else names[parent],
                level=level,
                session_clips=track.session_clips,
                arrangement_clips=track.arrangement_clips,
                take_lane_clips=track.take_lane_clips,
                frozen=track.frozen,
                has_automation=track.has_automation,
                devices=track.devices,
                native_devices=track.native_devices,
                plugins=plugin_names,
                sample_files=samples.add(name, track.samples),
                midi_note_count=track.midi_note_count,
                color=track.color,
                arrangement_clip_spans=track.arrangement_spans,
                clip_names=track.clip_names,
                drum_pads=track.drum_pads,
                note_range=_note_range(track.pitch_counts),
                sidechain_from=[names_by_id[i] for i in track.sidechain_source_ids if i in names_by_id],
            )
        )

    kinds = Counter(track.kind for track in facts.tracks)
    overview = Overview(
        tempo=mixer.tempo,
        time_signature=mixer.time_signature,
        midi_tracks=kinds["MIDI"],
        audio_tracks=kinds["Audio"],
        group_tracks=kinds["Group"],
        return_tracks=kinds["Return"],
        total_tracks=kinds["MIDI"] + kinds["Audio"] + kinds["Group"] + kinds["Return"],
    )
    pitch_weights = [sum(track.pitch_weights[pc] for track in all_tracks) for pc in range(12)]
    key = resolve_key(
        facts.scale,
        facts.in_key,
        [setting for track in all_tracks for setting in track.clip_scales],
        pitch_weights,
        sum(track.pitched_notes for track in all_tracks),
    )
    groove = Groove(global_amount=mixer.groove_amount, grooves=facts.grooves)
    sample_refs = list(samples.entries.values())
    genre_indicators, genre_evidence = infer_genres(overview, details, plugins, sample_refs, groove, key)

    track_breakdown = {
        detail.name: TrackBreakdownEntry(
            type=detail.type,  # type: ignore[arg-type]
            clips=detail.session_clips + detail.arrangement_clips + detail.take_lane_clips,
            group=detail.group,
            devices=detail.devices,
            plugins=detail.plugins,
            sample_files=detail.sample_files,
            has_automation=detail.has_automation,
        )
        for detail in details
        if detail.type in _SEED_TRACK_TYPES
    }
    events_tempo, events_signature = mixer.tempo_events, mixer.time_signature_events
    return AlsSummary(
        als_stem=PurePath(ident.file_name).stem,
        als_filename=ident.file_name,
        project_name=ident.project_name,
        project_folder=ident.project_folder,
        artist_name=ident.artist_name,
        overview=overview,
        plugin_usage=dict(Counter(plugin.name for plugin in plugins)),
        plugins_by_track={detail.name: detail.plugins for detail in details if detail.plugins},
        sample_index={
            key: SampleIndexEntry(path=ref.absolute_path or ref.relative_path or ref.name, tracks=ref.tracks)
            for key, ref in samples.entries.items()
        },
        track_breakdown=track_breakdown,
        track_hierarchy=_hierarchy(facts.tracks, names, nesting),
        genre_indicators=genre_indicators,
        live_version=live_version(facts.root_attributes),
        tempo_automated=len(events_tempo) > 1,
        # Plain dicts: pydantic validates long tempo maps in one pass in its core.
        tempo_changes=[{"beat": b, "bpm": v} for b, v in events_tempo] if len(events_tempo) > 1 else [],
        time_signature_changes=[
            {"beat": b, "time_signature": xp.decode_time_signature(int(v))} for b, v in events_signature
        ]
        if len(events_signature) > 1
        else [],
        key=key,
        locators=facts.locators,
        scenes=facts.scenes,
        arrangement=_arrangement(facts.tracks, mixer.tempo, mixer.time_signature),
        tracks=details,
        plugins=plugins,
        samples=sample_refs,
        groove=groove,
        genre_evidence=genre_evidence,
        source=Source(
            file_name=ident.file_name,
            sha256=source.sha256,
            size_bytes=source.size_bytes,
            xml_bytes=source.xml_bytes,
            container=source.container,
        ),
        parser=ParserInfo(name=ident.parser_name, version=ident.parser_version),
    )

"""Builders of valid hand-made `AlsSummary` objects and their parts, so each test states only the facts it is
about; everything else is filled consistently (track counts from the tracks, sample index from their files,
arrangement length from their clips)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from dawa_pipeline.als.models import (
    AlsSummary,
    Arrangement,
    Groove,
    Key,
    LiveVersion,
    Locator,
    NoteRange,
    Overview,
    ParserInfo,
    PluginInstance,
    SampleRef,
    Source,
    TempoChange,
    TrackDetail,
)

TrackType = Literal["MIDI", "Audio", "Group", "Return", "Main"]
PluginKind = Literal["instrument", "effect", "unknown"]
KeySource = Literal["scale_information", "midi_estimate", "none"]
DEFAULT_BARS = 96.0  # the length of a set whose tracks have no clip spans
LOCATOR_SPACING_BEATS = 32.0


def track(
    name: str,
    type: TrackType = "MIDI",
    *,
    devices: Sequence[str] = (),
    plugins: Sequence[str] = (),
    samples: Sequence[str] = (),
    spans: Sequence[tuple[float, float]] = (),
    automation: bool = False,
    level: int = 0,
    group: str | None = None,
    clips: Sequence[str] = (),
    pads: Sequence[str] = (),
    notes: tuple[int, int, int] | None = None,
    sidechain_from: Sequence[str] = (),
) -> TrackDetail:
    """A track with native `devices`, plugin names, sample files, arrangement clips at `spans` (beats), clip
    names, Drum Rack pad names, `notes` as (lowest, median, highest) pitch and sidechain sources."""
    return TrackDetail(
        name=name,
        type=type,
        id=None,
        group=group,
        level=level,
        session_clips=0,
        arrangement_clips=len(spans),
        take_lane_clips=0,
        frozen=False,
        has_automation=automation,
        devices=len(devices) + len(plugins),
        native_devices=list(devices),
        plugins=list(plugins),
        sample_files=list(samples),
        arrangement_clip_spans=list(spans),
        clip_names=list(clips),
        drum_pads=list(pads),
        note_range=None if notes is None else NoteRange(low=notes[0], median=notes[1], high=notes[2]),
        sidechain_from=list(sidechain_from),
    )


def plugin(name: str, track: str, kind: PluginKind = "effect") -> PluginInstance:
    return PluginInstance(raw_name=name, name=name, format="VST3", vendor=None, kind=kind, track=track)


def sample(file_name: str, *tracks: str) -> SampleRef:
    return SampleRef(name=file_name, relative_path=None, absolute_path=None, tracks=list(tracks))


def key(name: str | None, confidence: float = 1.0, source: KeySource = "scale_information") -> Key:
    """ "A minor" -> root A, mode minor; None (or source "none") is no key, with confidence 0."""
    if name is None:
        return Key(root=None, mode=None, name=None, source="none", confidence=0.0)
    root, mode = name.split(" ", 1)
    return Key(
        root=root, mode=mode, name=name, source=source, confidence=0.0 if source == "none" else confidence
    )  # type: ignore[arg-type]


def overview(tracks: Sequence[TrackDetail], *, tempo: float = 124.0, time_signature: str = "4/4") -> Overview:
    """The overview the parser writes for these tracks (the main track is not counted)."""
    counts = {kind: sum(1 for t in tracks if t.type == kind) for kind in ("MIDI", "Audio", "Group", "Return")}
    return Overview(
        tempo=tempo,
        time_signature=time_signature,
        midi_tracks=counts["MIDI"],
        audio_tracks=counts["Audio"],
        group_tracks=counts["Group"],
        return_tracks=counts["Return"],
        total_tracks=sum(counts.values()),
    )


def summary(
    stem: str = "Night Drive",
    *,
    project: str | None = None,
    artist: str = "Test Artist",
    tracks: Sequence[TrackDetail] = (),
    plugins: Sequence[PluginInstance] = (),
    tempo: float = 124.0,
    time_signature: str = "4/4",
    key_name: str | None = None,
    key_confidence: float = 1.0,
    key_source: KeySource = "scale_information",
    bars: float | None = None,
    locators: Sequence[str | Locator] = (),
    tempo_changes: Sequence[TempoChange] = (),
    tempo_automated: bool = False,
    grooves: Sequence[str] = (),
    indicators: Sequence[str] = (),
) -> AlsSummary:
    """The set `stem`.als in `project` (default "`stem` Project"). The arrangement lasts `bars` bars of 4/4,
    else until the last clip span ends, else DEFAULT_BARS; locator names are placed 32 beats apart; a set with
    tempo changes is tempo-automated."""
    project_name = project or f"{stem} Project"
    sample_tracks: dict[str, list[str]] = {}
    for t in tracks:
        for file_name in t.sample_files:
            sample_tracks.setdefault(file_name, []).append(t.name)
    clip_end = max((end for t in tracks for _, end in t.arrangement_clip_spans), default=None)
    beats = bars * 4 if bars is not None else clip_end if clip_end is not None else DEFAULT_BARS * 4
    return AlsSummary(
        als_stem=stem,
        als_filename=f"{stem}.als",
        project_name=project_name,
        project_folder=f"/music/{project_name}",
        artist_name=artist,
        overview=overview(tracks, tempo=tempo, time_signature=time_signature),
        plugin_usage={},
        plugins_by_track={},
        sample_index={},
        track_breakdown={},
        track_hierarchy=[],
        genre_indicators=list(indicators),
        live_version=LiveVersion(
            creator="Ableton Live 12.1.5",
            major_version="5",
            minor_version="12.0_12117",
            major=12,
            minor=1,
            patch=5,
            beta=False,
        ),
        tempo_automated=tempo_automated or bool(tempo_changes),
        tempo_changes=list(tempo_changes),
        time_signature_changes=[],
        key=key(key_name, key_confidence, key_source),
        locators=[
            Locator(beat=i * LOCATOR_SPACING_BEATS, name=loc) if isinstance(loc, str) else loc
            for i, loc in enumerate(locators)
        ],
        scenes=[],
        arrangement=Arrangement(length_beats=beats, length_seconds=beats * 60 / tempo, length_bars=beats / 4),
        tracks=list(tracks),
        plugins=list(plugins),
        samples=[sample(file_name, *owners) for file_name, owners in sample_tracks.items()],
        groove=Groove(global_amount=100.0 if grooves else None, grooves=list(grooves)),
        genre_evidence={},
        source=Source(
            file_name=f"{stem}.als", sha256="0" * 64, size_bytes=1000, xml_bytes=10000, container="gzip"
        ),
        parser=ParserInfo(name="dawa-als", version="test"),
    )

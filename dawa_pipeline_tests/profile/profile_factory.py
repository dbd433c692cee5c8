"""Small builders of valid `AlsSummary` objects, so each test states only the facts it is about."""

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
    Overview,
    ParserInfo,
    PluginInstance,
    SampleRef,
    Source,
    TrackDetail,
)

TrackType = Literal["MIDI", "Audio", "Group", "Return", "Main"]


def track(
    name: str,
    type: TrackType = "MIDI",
    *,
    devices: Sequence[str] = (),
    samples: Sequence[str] = (),
    plugins: Sequence[str] = (),
    automation: bool = False,
    level: int = 0,
    group: str | None = None,
) -> TrackDetail:
    return TrackDetail(
        name=name,
        type=type,
        id=None,
        group=group,
        level=level,
        session_clips=0,
        arrangement_clips=1,
        take_lane_clips=0,
        frozen=False,
        has_automation=automation,
        devices=len(devices) + len(plugins),
        native_devices=list(devices),
        plugins=list(plugins),
        sample_files=list(samples),
    )


def plugin(
    name: str, track: str, kind: Literal["instrument", "effect", "unknown"] = "effect"
) -> PluginInstance:
    return PluginInstance(raw_name=name, name=name, format="VST3", vendor=None, kind=kind, track=track)


def key(name: str | None, confidence: float = 1.0, source: str = "scale_information") -> Key:
    if name is None:
        return Key(root=None, mode=None, name=None, source="none", confidence=0.0)
    root, mode = name.split(" ", 1)
    if source == "none":
        confidence = 0.0
    return Key(root=root, mode=mode, name=name, source=source, confidence=confidence)  # type: ignore[arg-type]


def summary(
    stem: str,
    *,
    tempo: float = 124.0,
    project: str | None = None,
    key_name: str | None = None,
    key_confidence: float = 1.0,
    key_source: str = "scale_information",
    tracks: Sequence[TrackDetail] = (),
    plugins: Sequence[PluginInstance] = (),
    locators: Sequence[str] = (),
    bars: float = 96.0,
    time_signature: str = "4/4",
    tempo_automated: bool = False,
    grooves: Sequence[str] = (),
    artist: str = "Test Artist",
) -> AlsSummary:
    """A set with the given facts; lengths follow from `bars` and `tempo` in 4/4."""
    project_name = project or f"{stem} Project"
    by_kind = {
        kind: sum(1 for t in tracks if t.type == kind) for kind in ("MIDI", "Audio", "Group", "Return")
    }
    sample_tracks: dict[str, list[str]] = {}
    for t in tracks:
        for sample in t.sample_files:
            sample_tracks.setdefault(sample, []).append(t.name)
    beats = bars * 4
    return AlsSummary(
        als_stem=stem,
        als_filename=f"{stem}.als",
        project_name=project_name,
        project_folder=f"/music/{project_name}",
        artist_name=artist,
        overview=Overview(
            tempo=tempo,
            time_signature=time_signature,
            midi_tracks=by_kind["MIDI"],
            audio_tracks=by_kind["Audio"],
            group_tracks=by_kind["Group"],
            return_tracks=by_kind["Return"],
            total_tracks=sum(by_kind.values()),
        ),
        plugin_usage={},
        plugins_by_track={},
        sample_index={},
        track_breakdown={},
        track_hierarchy=[],
        genre_indicators=[],
        live_version=LiveVersion(
            creator="Ableton Live 12.1.5",
            major_version="5",
            minor_version="12.0_12117",
            major=12,
            minor=1,
            patch=5,
            beta=False,
        ),
        tempo_automated=tempo_automated,
        tempo_changes=[],
        time_signature_changes=[],
        key=key(key_name, key_confidence, key_source),
        locators=[Locator(beat=float(i * 32), name=name) for i, name in enumerate(locators)],
        scenes=[],
        arrangement=Arrangement(length_beats=beats, length_seconds=beats * 60 / tempo, length_bars=bars),
        tracks=list(tracks),
        plugins=list(plugins),
        samples=[
            SampleRef(name=name, relative_path=None, absolute_path=None, tracks=owners)
            for name, owners in sample_tracks.items()
        ],
        groove=Groove(global_amount=100.0 if grooves else None, grooves=list(grooves)),
        genre_evidence={},
        source=Source(
            file_name=f"{stem}.als", sha256="0" * 64, size_bytes=1000, xml_bytes=10000, container="gzip"
        ),
        parser=ParserInfo(name="dawa-als", version="test"),
    )

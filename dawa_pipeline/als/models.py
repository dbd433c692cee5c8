"""Pydantic models of the seed's `AlsSummary` (dawa-schema.md) plus DAWA's extra top-level keys.

The seed part keeps the seed's names and shapes exactly; everything DAWA adds sits under new keys, so a
summary that does not fit the seed cannot be produced. `SEED_KEYS` lists the seed's top-level keys.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the seed's shape -----------------------------------------------------------------------------


class Overview(_Strict):
    tempo: float
    time_signature: str
    midi_tracks: int
    audio_tracks: int
    group_tracks: int
    return_tracks: int
    total_tracks: int


class SampleIndexEntry(_Strict):
    path: str
    tracks: list[str]


class TrackBreakdownEntry(_Strict):
    type: Literal["MIDI", "Audio"]
    clips: int
    group: str | None
    devices: int
    plugins: list[str]
    sample_files: list[str]
    has_automation: bool


class HierarchyNode(BaseModel):
    """A track in `track_hierarchy`. Nested groups keep their own `children` (DESIGN: nested groups nest)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: Literal["MIDI", "Audio", "Group"]
    index: int
    level: int
    # Omitted, not null, when a track has no children (the seed marks `children` optional).
    children: list[HierarchyNode] | None = Field(default=None, exclude_if=lambda v: v is None)


# --- DAWA's extras (new top-level keys) -------------------------------------------------------------


class LiveVersion(_Strict):
    creator: str
    major_version: str
    minor_version: str
    major: int | None = Field(description="Live's major release, e.g. 11 for 'Ableton Live 11.3.13'")
    minor: int | None
    patch: int | None
    beta: bool


class TempoChange(_Strict):
    beat: float
    bpm: float


class TimeSignatureChange(_Strict):
    beat: float
    time_signature: str


class Key(_Strict):
    root: str | None = Field(description="pitch class name, e.g. 'A'; None when unknown")
    mode: str | None = Field(description="scale name, e.g. 'minor', 'major', 'dorian'")
    name: str | None = Field(description="'A minor', or None when unknown")
    source: Literal["scale_information", "clip_scale", "midi_estimate", "none"]
    confidence: float = Field(ge=0.0, le=1.0)
    in_key: bool | None = None


class Locator(_Strict):
    beat: float
    name: str


class Scene(_Strict):
    name: str
    tempo: float | None = None
    time_signature: str | None = None


class Arrangement(_Strict):
    length_beats: float
    length_seconds: float
    length_bars: float


class PluginInstance(_Strict):
    """One plugin instance; `name` is normalised for aggregation, `raw_name` is as stored."""

    raw_name: str
    name: str
    format: Literal["VST2", "VST3", "AU", "AUv3"]
    vendor: str | None
    kind: Literal["instrument", "effect", "unknown"]
    track: str


class NoteRange(_Strict):
    """Lowest, median (by note count) and highest MIDI pitch of a pitched track's notes; Live calls 60 C3."""

    low: int
    median: int
    high: int


class TrackDetail(_Strict):
    """Per-track facts beyond the seed's `track_breakdown` (every track kind, master included)."""

    name: str
    type: Literal["MIDI", "Audio", "Group", "Return", "Main"]
    id: str | None
    group: str | None
    level: int
    session_clips: int
    arrangement_clips: int
    take_lane_clips: int
    frozen: bool
    has_automation: bool
    devices: int = Field(description="every device in the track, racks included, recursively")
    native_devices: list[str] = Field(description="Ableton device tags in document order, e.g. 'Operator'")
    plugins: list[str]
    sample_files: list[str]
    midi_note_count: int = 0
    color: int | None = None
    arrangement_clip_spans: list[tuple[float, float]] = Field(
        default_factory=list, description="(start, end) in beats of each arrangement clip, for the timeline"
    )
    clip_names: list[str] = Field(default_factory=list, description="distinct clip names (at most 32)")
    drum_pads: list[str] = Field(default_factory=list, description="Drum Rack pad (chain) names, in order")
    note_range: NoteRange | None = Field(default=None, description="pitches played; None on drum racks")
    sidechain_from: list[str] = Field(
        default_factory=list, description="tracks keying a sidechain input that is on (by display name)"
    )


class SampleRef(_Strict):
    name: str
    relative_path: str | None
    absolute_path: str | None
    tracks: list[str]


class Source(_Strict):
    file_name: str
    sha256: str
    size_bytes: int
    xml_bytes: int
    container: Literal["gzip", "xml"]


class ParserInfo(_Strict):
    name: str
    version: str


class Groove(_Strict):
    global_amount: float | None
    grooves: list[str]


class AlsSummary(_Strict):
    """One parsed Live Set: the seed's `AlsSummary` keys, then DAWA's extras."""

    # Identification (seed)
    als_stem: str
    als_filename: str
    project_name: str
    project_folder: str
    artist_name: str
    # Session overview (seed)
    overview: Overview
    # Plugin analysis (seed)
    plugin_usage: dict[str, int]
    plugins_by_track: dict[str, list[str]]
    # Sample library (seed)
    sample_index: dict[str, SampleIndexEntry]
    # Track details (seed)
    track_breakdown: dict[str, TrackBreakdownEntry]
    # Organization (seed)
    track_hierarchy: list[HierarchyNode]
    genre_indicators: list[str]

    # Extras
    live_version: LiveVersion
    tempo_automated: bool
    tempo_changes: list[TempoChange]
    time_signature_changes: list[TimeSignatureChange]
    key: Key
    locators: list[Locator]
    scenes: list[Scene]
    arrangement: Arrangement
    tracks: list[TrackDetail]
    plugins: list[PluginInstance]
    samples: list[SampleRef]
    groove: Groove
    genre_evidence: dict[str, list[str]] = Field(
        description="for each genre indicator, the evidence in the set that backs it"
    )
    source: Source
    parser: ParserInfo


SEED_KEYS: tuple[str, ...] = (
    "als_stem",
    "als_filename",
    "project_name",
    "project_folder",
    "artist_name",
    "overview",
    "plugin_usage",
    "plugins_by_track",
    "sample_index",
    "track_breakdown",
    "track_hierarchy",
    "genre_indicators",
)

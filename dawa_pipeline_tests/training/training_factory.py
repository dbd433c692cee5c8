"""Builders for the training tests: valid `AlsSummary` objects, master schemas and dataset items, so each test
states only the facts it is about."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from dawa_pipeline.als.models import (
    AlsSummary,
    Arrangement,
    Groove,
    Key,
    LiveVersion,
    Overview,
    ParserInfo,
    PluginInstance,
    Source,
    TrackDetail,
)
from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.training.audio import inspect_audio
from dawa_pipeline.training.captions import caption_context
from dawa_pipeline.training.dataset import DatasetItem
from dawa_pipeline.training.offline_writer import OfflineWriter


def track(name: str, *devices: str, type: Literal["MIDI", "Audio"] = "MIDI") -> TrackDetail:
    return TrackDetail(
        name=name,
        type=type,
        id=None,
        group=None,
        level=0,
        session_clips=0,
        arrangement_clips=1,
        take_lane_clips=0,
        frozen=False,
        has_automation=False,
        devices=len(devices),
        native_devices=list(devices),
        plugins=[],
        sample_files=[],
    )


def summary(
    *,
    artist: str = "Nova Vale",
    project: str = "Night Drive",
    tracks: Sequence[TrackDetail] = (),
    instrument_plugins: Sequence[str] = (),
    tempo: float = 124.0,
    key: str | None = "A minor",
    key_confidence: float = 1.0,
    indicators: Sequence[str] = (),
) -> AlsSummary:
    plugins = [
        PluginInstance(raw_name=p, name=p, format="VST3", vendor=None, kind="instrument", track="Synth")
        for p in instrument_plugins
    ]
    return AlsSummary(
        als_stem=project,
        als_filename=f"{project}.als",
        project_name=project,
        project_folder=f"{project} Project",
        artist_name=artist,
        overview=Overview(
            tempo=tempo,
            time_signature="4/4",
            midi_tracks=len(tracks),
            audio_tracks=0,
            group_tracks=0,
            return_tracks=0,
            total_tracks=len(tracks),
        ),
        plugin_usage={},
        plugins_by_track={},
        sample_index={},
        track_breakdown={},
        track_hierarchy=[],
        genre_indicators=list(indicators),
        live_version=LiveVersion(
            creator="Ableton Live 12.1",
            major_version="5",
            minor_version="12.0_12100",
            major=12,
            minor=1,
            patch=0,
            beta=False,
        ),
        tempo_automated=False,
        tempo_changes=[],
        time_signature_changes=[],
        key=Key(
            root=key.split()[0] if key else None,
            mode=key.split()[1] if key else None,
            name=key,
            source="scale_information" if key else "none",
            confidence=key_confidence if key else 0.0,
        ),
        locators=[],
        scenes=[],
        arrangement=Arrangement(length_beats=64.0, length_seconds=31.0, length_bars=16.0),
        tracks=list(tracks),
        plugins=plugins,
        samples=[],
        groove=Groove(global_amount=None, grooves=[]),
        genre_evidence={},
        source=Source(
            file_name=f"{project}.als", sha256="0" * 64, size_bytes=1, xml_bytes=1, container="gzip"
        ),
        parser=ParserInfo(name="dawa-als", version="test"),
    )


def master_schema(
    *,
    name: str = "Nova Vale",
    members: Sequence[str] = ("Ada Quill", "Bo Renn"),
    catalog: Sequence[dict[str, Any]] = (),
    energy: Sequence[str] = ("driving",),
    genres: Sequence[str] = ("melodic techno",),
    sound_design: Sequence[str] = ("wide analog pads",),
) -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "uuids": {"name": name, "artist_id": "00000000-0000-0000-0000-000000000001"},
        "artist": {
            "name": name,
            "members": list(members),
            "core_identities": {
                "energy_profile": list(energy),
                "primary_genre_space": list(genres),
                "secondary_spaces": [],
                "melodic_character": [],
                "sound_design_signature": list(sound_design),
            },
        },
        "catalog": list(catalog),
        "daw_fingerprint_aggregates": {
            "drum_palette": {"kick_character": ["punchy"], "snare_clap_character": [], "percussion_notes": []}
        },
    }


def catalog_entry(title: str, *, moods: Sequence[str], key: str = "C minor", **extra: Any) -> dict[str, Any]:
    return {
        "work_id": title.lower().replace(" ", "-"),
        "title": title,
        "primary_artist": "Nova Vale",
        "release_role": "original",
        "tempo_bpm": 124,
        "key_center": key,
        "energy_arc": "build",
        "core_tags": ["late night"],
        "mood_profile": list(moods),
        "sync_notes": [],
        **extra,
    }


def dataset_item(
    item_id: str, *, seconds: float = 6.0, bpm: float = 124.0, key: str = "A minor"
) -> DatasetItem:
    """A real item: synthesised MP3, inspected, captioned by the offline writer."""
    audio = synth_demo_audio(item_id, seconds=seconds, bpm=bpm, key=key)
    info = inspect_audio(audio, f"{item_id}.mp3")
    set_summary = summary(
        project=f"Set {item_id}",
        tempo=bpm,
        key=key,
        tracks=[track("Kick"), track("Sub Bass", "Operator"), track("Pad", "InstrumentVector", "Reverb")],
        indicators=["techno", "drum-rack"],
    )
    context = caption_context(set_summary, master_schema(), audio_duration=info.duration)
    caption = OfflineWriter().write(context)
    return DatasetItem(
        item_id=item_id,
        audio=audio,
        audio_info=info,
        caption=caption,
        title=f"Set {item_id}",
        key=key,
        bpm=bpm,
    )

"""Builders for the training tests: the artist's sets (see summary_factory), master schemas and dataset
items, so each test states only the facts it is about."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import summary_factory
from summary_factory import track

from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.training.audio import inspect_audio
from dawa_pipeline.training.captions import caption_context
from dawa_pipeline.training.dataset import DatasetItem, build_dataset_zip
from dawa_pipeline.training.offline_writer import OfflineWriter

ARTIST = "Nova Vale"
CREATED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
"""When the tests' dataset zips are built."""


def summary(
    *, project: str = "Night Drive", artist: str = ARTIST, key: str | None = "A minor", **facts: Any
) -> AlsSummary:
    """A set of the training tests' artist, named like its project, in A minor unless a test says so."""
    return summary_factory.summary(project, project=project, artist=artist, key_name=key, **facts)


def master_schema(
    *,
    name: str = ARTIST,
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
        "primary_artist": ARTIST,
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
        tracks=[
            track("Kick"),
            track("Sub Bass", devices=["Operator"]),
            track("Pad", devices=["InstrumentVector", "Reverb"]),
        ],
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


def dataset_zip(items: Sequence[DatasetItem], **options: Any) -> bytes:
    """The zip `build_dataset_zip` writes for `items` of ARTIST at CREATED, in memory."""
    out = io.BytesIO()
    build_dataset_zip(
        items, out, artist_name=ARTIST, created_at=CREATED, provenance={"run_id": "r1"}, **options
    )
    return out.getvalue()

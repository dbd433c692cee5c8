"""`dawa training add` against the test's Postgres and a storage folder under DAWA_HOME."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audio_factory import encoded

from dawa_pipeline.als import parse_als, parse_id
from dawa_pipeline.cli import main
from dawa_pipeline.db import summaries, training_items
from dawa_pipeline.db.artists import ensure_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.storage import layout

ARTIST = "Nightshift Atlas"


@pytest.fixture
def parsed_set(dawa_home: Path, database_url: str, demo_sets) -> Path:
    """One demo set stored as a parsed summary, without a training item yet."""
    path = demo_sets[ARTIST][0]
    project = path.parent.name.removesuffix(" Project")
    summary = parse_als(path, artist_name=ARTIST, project_name=project)
    with connect(database_url) as conn:
        artist = ensure_artist(conn, ARTIST)
        row = summaries.SummaryRow(
            artist_id=artist.id,
            parse_id=parse_id(ARTIST, summary.source.sha256),
            project_name=project,
            als_filename=summary.als_filename,
            summary=summary.model_dump(mode="json"),
            export_path="",
            source_path=layout.upload_path(artist.slug, project, summary.als_filename),
            source_sha256=summary.source.sha256,
        )
        summaries.upsert_summaries(conn, [row])
        conn.commit()
    return path


def _items(database_url: str) -> list[training_items.TrainingItem]:
    with connect(database_url) as conn:
        artist = ensure_artist(conn, ARTIST)
        return training_items.items_with_status(conn, artist.id, training_items.STATUSES)


def _mp3(tmp_path: Path, name: str, seconds: float) -> Path:
    path = tmp_path / name
    path.write_bytes(synth_demo_audio(name, seconds=seconds))
    return path


def test_add_with_set_gives_that_sets_item_its_audio(parsed_set, database_url, dawa_home, tmp_path, capsys):
    audio = _mp3(tmp_path, "render.mp3", 7.0)

    assert main(["training", "add", "--artist", ARTIST, str(audio), "--set", str(parsed_set)]) == 0

    (item,) = _items(database_url)
    assert (item.status, item.als_filename) == ("needs_prompt", parsed_set.name)
    assert item.als_summary_id is not None
    assert item.audio_duration_seconds == pytest.approx(7.0, abs=0.05)
    stored = dawa_home / "storage" / layout.training_audio_path("nightshift-atlas", item.id)
    assert stored.read_bytes() == audio.read_bytes()
    assert str(item.id) in capsys.readouterr().out

    # A new render of the same set replaces the audio of the same item.
    again = _mp3(tmp_path, "render-2.mp3", 9.0)
    assert main(["training", "add", "--artist", ARTIST, str(again), "--set", parsed_set.name]) == 0
    (replaced,) = _items(database_url)
    assert replaced.id == item.id
    assert replaced.audio_duration_seconds == pytest.approx(9.0, abs=0.05)


def test_add_without_set_makes_one_item_per_audio_file(parsed_set, database_url, tmp_path):
    audio = _mp3(tmp_path, "loose.mp3", 6.0)
    for _ in range(2):
        assert main(["training", "add", "--artist", ARTIST, str(audio)]) == 0
    (item,) = _items(database_url)
    assert item.als_summary_id is None and item.parse_id.startswith("manual-")
    assert item.status == "needs_prompt"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(encoded(np.zeros(32_000 * 6, dtype=np.float32))), "silent"),
        (lambda p: p.write_bytes(encoded(np.full(32_000 * 6, 0.3, dtype=np.float32), fmt="WAV")), "as MP3"),
        (lambda p: None, "No such file"),
    ],
    ids=["silent", "wav", "missing"],
)
def test_unusable_audio_is_refused_before_anything_is_stored(
    parsed_set, database_url, dawa_home, tmp_path, capsys, make, message
):
    audio = tmp_path / "bad.mp3"
    make(audio)
    assert main(["training", "add", "--artist", ARTIST, str(audio), "--set", str(parsed_set)]) == 2
    error = capsys.readouterr().err
    assert message in error and str(audio) in error
    assert _items(database_url) == []
    assert not (dawa_home / "storage" / "artists" / "nightshift-atlas" / "training").exists()


def test_add_for_a_set_never_parsed_says_what_to_do(parsed_set, database_url, tmp_path, capsys):
    audio = _mp3(tmp_path, "render.mp3", 6.0)
    assert main(["training", "add", "--artist", ARTIST, str(audio), "--set", "Unknown.als"]) == 2
    assert "no parsed set named 'Unknown.als'" in capsys.readouterr().err
    assert _items(database_url) == []


def test_sets_of_the_same_name_are_told_apart_by_their_project_folder(
    dawa_home, database_url, tmp_path, capsys
):
    with connect(database_url) as conn:
        artist = ensure_artist(conn, ARTIST)
        rows = [
            summaries.SummaryRow(
                artist_id=artist.id,
                parse_id=f"p-{project}",
                project_name=project,
                als_filename="Loop.als",
                summary={},
                export_path="",
                source_path=layout.upload_path(artist.slug, project, "Loop.als"),
                source_sha256=project,
            )
            for project in ("Alpha", "Beta")
        ]
        summaries.upsert_summaries(conn, rows)
        conn.commit()
    audio = _mp3(tmp_path, "render.mp3", 6.0)

    assert main(["training", "add", "--artist", ARTIST, str(audio), "--set", "Loop.als"]) == 2
    assert "several projects" in capsys.readouterr().err
    assert main(["training", "add", "--artist", ARTIST, str(audio), "--set", "Beta Project/Loop.als"]) == 0
    (item,) = _items(database_url)
    assert (item.project_name, item.parse_id) == ("Beta", "p-Beta")

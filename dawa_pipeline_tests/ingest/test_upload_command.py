"""`dawa upload` as a user runs it: from inside a project folder, and with a path that is not a set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dawa_pipeline.cli import main
from dawa_pipeline.db.connection import connect
from dawa_pipeline.demo.live_set.build import write_set
from dawa_pipeline.demo.live_set.spec import SetSpec, Track
from dawa_pipeline.storage.local import LocalStorage


def _stored(dawa_home: Path) -> list[str]:
    return [o.path for o in LocalStorage(dawa_home / "storage").list("artists/")]


def test_a_bare_file_name_is_filed_under_the_working_folders_project(
    dawa_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    song = write_set(SetSpec(tracks=[Track.midi("Lead")]), tmp_path / "Song Project" / "Song.als")
    monkeypatch.chdir(song.parent)
    assert main(["upload", "--artist", "Ana", "Song.als"]) == 0
    assert _stored(dawa_home) == ["artists/ana/uploads/Song/Song.als"]


def test_a_named_file_that_is_not_a_set_is_one_error_line_and_nothing_stored(
    dawa_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = write_set(SetSpec(tracks=[Track.midi("Lead")]), tmp_path / "Song Project" / "Song.als")
    notes = tmp_path / "notes.txt"
    notes.write_text("mix notes")
    assert main(["upload", "--artist", "Ana", str(song), str(notes)]) == 2
    assert capsys.readouterr().err == f"error: {notes}: not a Live Set (uploads take .als files)\n"
    assert _stored(dawa_home) == []
    with connect(os.environ["DAWA_DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM artists").fetchone() == (0,)  # no artist left behind


@pytest.mark.parametrize(
    ("artist", "problem"),
    [
        ("n" * 1000, "an artist name is at most 100 characters (this one: 1,000)"),
        ("   ", "an artist name cannot be empty"),
        ("Bad\x1b[2JName", "an artist name cannot hold control characters ('\\x1b' at position 3)"),
        ("Tab\tName", "an artist name cannot hold control characters ('\\t' at position 3)"),
        ("\u202eeman", "an artist name cannot hold control characters ('\\u202e' at position 0)"),
        ("\ufb03" * 40, "an artist name is at most 100 characters (this one: 40)"),  # its slug is "ffi" * 40
    ],
    ids=["long", "empty", "escape", "tab", "bidi", "long-slug"],
)
def test_an_unusable_artist_name_is_one_error_line_and_nothing_written(
    dawa_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], artist: str, problem: str
) -> None:
    song = write_set(SetSpec(tracks=[Track.midi("Lead")]), tmp_path / "Song Project" / "Song.als")
    assert main(["upload", "--artist", artist, str(song)]) == 2
    assert capsys.readouterr().err == f"error: {problem}\n"
    assert _stored(dawa_home) == []
    with connect(os.environ["DAWA_DATABASE_URL"]) as conn:
        assert conn.execute("SELECT count(*) FROM artists").fetchone() == (0,)


def test_user_data_on_the_terminal_has_its_control_characters_escaped(
    dawa_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = write_set(SetSpec(tracks=[Track.midi("Lead")]), tmp_path / "Song Project" / "Red\x1b[31m.als")
    assert main(["upload", "--artist", "Ana", str(song)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "Red\\x1b[31m.als" in out

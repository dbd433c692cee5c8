"""The SQL of als_summaries: which parse is current for an upload when bytes repeat across paths or a file
goes back to earlier bytes, and that re-writing the current parse changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from summary_factory import summary

from dawa_pipeline.db import summaries
from dawa_pipeline.db.artists import Artist, ensure_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.migrate import apply_migrations, load_migrations
from dawa_pipeline.storage import layout

ARTIST = "Test Artist"


@pytest.fixture
def artist(db: psycopg.Connection[Any]) -> Artist:
    return ensure_artist(db, ARTIST)


def _row(
    artist: Artist, sha256: str, project: str = "Night Drive", stem: str = "Night Drive"
) -> summaries.SummaryRow:
    """The row the pipeline writes for the bytes `sha256` uploaded as {project}/{stem}.als."""
    document = summary(stem, project=project, artist=ARTIST).model_dump(mode="json")
    document["source"]["sha256"] = sha256
    return summaries.SummaryRow(
        artist_id=artist.id,
        parse_id=f"p{sha256[:16]}",
        project_name=project,
        als_filename=f"{stem}.als",
        summary=document,
        export_path=layout.daw_data_dir(artist.slug, project, stem, f"p{sha256[:16]}"),
        source_path=layout.upload_path(artist.slug, project, f"{stem}.als"),
        source_sha256=sha256,
    )


def _write(db: psycopg.Connection[Any], *rows: summaries.SummaryRow) -> list[summaries.StoredSummary]:
    """Each call is its own transaction, as each ingest run is (now() differs between them)."""
    with db.transaction():
        return summaries.upsert_summaries(db, rows)


def test_a_file_reverted_to_earlier_bytes_reads_as_its_current_parse(db, artist) -> None:
    first, second = _row(artist, "a" * 64), _row(artist, "b" * 64)
    (v1,) = _write(db, first)
    (v2,) = _write(db, second)
    (back,) = _write(db, first)

    assert back.id == v1.id
    current = summaries.latest_for_source(db, [first.source_path])[first.source_path]
    assert current.source_sha256 == "a" * 64
    # Newer than the parse it replaced, so the artist's refresh sees a change.
    assert back.parse_timestamp > v2.parse_timestamp
    assert [s.source_sha256 for s in summaries.latest_for_artist(db, artist.id)] == ["a" * 64]


def test_rewriting_the_current_parse_keeps_its_time(db, artist) -> None:
    row = _row(artist, "a" * 64)
    (first,) = _write(db, row)
    (again,) = _write(db, row)
    assert (again.id, again.parse_timestamp) == (first.id, first.parse_timestamp)
    assert db.execute("SELECT count(*) FROM als_summaries").fetchone() == (1,)


def test_identical_bytes_at_two_paths_are_each_found_at_their_own_path(db, artist) -> None:
    original = _row(artist, "a" * 64, project="Night Drive")
    copy = _row(artist, "a" * 64, project="Night Drive Copy")
    _write(db, original, copy)

    found = summaries.latest_for_source(db, [original.source_path, copy.source_path])
    assert set(found) == {original.source_path, copy.source_path}
    assert found[original.source_path].id == found[copy.source_path].id
    assert found[original.source_path].source_path == original.source_path
    # The seed's one row per artist and bytes: the artist's sets count the copy once.
    assert len(summaries.latest_for_artist(db, artist.id)) == 1


def test_rows_written_without_an_upload_path_still_count_for_the_artist(db, artist) -> None:
    """Rows from other writers (the client's own tools) carry no source_path: newest per project and file."""
    _write(db, _row(artist, "a" * 64))
    db.execute(
        "INSERT INTO als_summaries (artist_id, parse_id, project_name, als_filename, summary) "
        "VALUES (%s, 'by-hand', 'Other', 'Other.als', '{}')",
        (artist.id,),
    )
    assert [s.parse_id for s in summaries.latest_for_artist(db, artist.id)] == ["p" + "a" * 16, "by-hand"]


def test_members_cannot_read_the_upload_index(db, artist, acting_as) -> None:
    _write(db, _row(artist, "a" * 64))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(db, uuid.uuid4()) as conn:
        conn.execute("SELECT * FROM dawa_private.upload_parses")


def test_the_upload_index_migration_keeps_each_uploads_newest_parse(empty_database_url: str) -> None:
    """An install upgraded from before migration 0011 reads the same current parses as it did."""
    migrations = load_migrations()
    before = [m for m in migrations if m.version < "0011"]
    with connect(empty_database_url, autocommit=True) as conn:
        apply_migrations(conn, before)
        artist = ensure_artist(conn, ARTIST)
        old, new = _row(artist, "a" * 64), _row(artist, "b" * 64)
        for row, stamp in ((old, "2024-01-01Z"), (new, "2024-02-01Z")):
            conn.execute(
                "INSERT INTO als_summaries (artist_id, parse_id, project_name, als_filename, summary, "
                "source_path, source_sha256, parse_timestamp) VALUES (%s, %s, %s, %s, '{}', %s, %s, %s)",
                (
                    artist.id,
                    row.parse_id,
                    row.project_name,
                    row.als_filename,
                    row.source_path,
                    row.source_sha256,
                    stamp,
                ),
            )
        apply_migrations(conn)
        current = summaries.latest_for_source(conn, [old.source_path])[old.source_path]
        assert current.source_sha256 == "b" * 64


@pytest.mark.parametrize("order", ["zed-first", "alpha-first"])
def test_identical_bytes_at_two_paths_name_the_row_by_the_first_path_in_byte_order(db, artist, order) -> None:
    """Whatever order the uploads are parsed in, the shared row names the same path: the first in byte
    order ("Alpha" before "Zed", upper case before lower case), with that path's file name and summary."""
    zed = _row(artist, "c" * 64, project="Zed", stem="Take")
    alpha = _row(artist, "c" * 64, project="Alpha", stem="take two")
    lower = _row(artist, "c" * 64, project="alpha", stem="Take")
    writes = [zed, lower, alpha] if order == "zed-first" else [alpha, lower, zed]
    for row in writes:
        _write(db, row)
    _write(db, writes[0])  # the first path written again still does not take the name back

    (stored,) = summaries.latest_for_artist(db, artist.id)
    assert (stored.project_name, stored.als_filename, stored.source_path) == (
        "Alpha",
        "take two.als",
        alpha.source_path,
    )
    assert stored.summary == alpha.summary and stored.export_path == alpha.export_path
    found = summaries.latest_for_source(db, [zed.source_path, alpha.source_path, lower.source_path])
    assert {row.id for row in found.values()} == {stored.id}

"""The SQL of `als_summaries`: bulk idempotent upserts and reads of the latest parse of each upload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from dawa_pipeline.als import AlsSummary, parse_id


@dataclass(frozen=True)
class SummaryRow:
    """One row to write; `summary` is the seed-shaped JSON (no provenance)."""

    artist_id: UUID
    parse_id: str
    project_name: str
    als_filename: str
    summary: dict[str, Any]
    export_path: str
    source_path: str
    source_sha256: str

    @classmethod
    def of(cls, artist_id: UUID, summary: AlsSummary, *, export_path: str, source_path: str) -> SummaryRow:
        """The row of a parsed set: its parse id comes from the artist name and the file's bytes."""
        return cls(
            artist_id=artist_id,
            parse_id=parse_id(summary.artist_name, summary.source.sha256),
            project_name=summary.project_name,
            als_filename=summary.als_filename,
            summary=summary.model_dump(mode="json"),
            export_path=export_path,
            source_path=source_path,
            source_sha256=summary.source.sha256,
        )


@dataclass(frozen=True)
class StoredSummary:
    id: UUID
    artist_id: UUID | None
    parse_id: str
    project_name: str | None
    als_filename: str
    parse_timestamp: datetime
    summary: dict[str, Any]
    export_path: str | None
    source_path: str | None
    source_sha256: str | None


_COLUMNS = (
    "id, artist_id, parse_id, project_name, als_filename, parse_timestamp, summary, export_path, "
    "source_path, source_sha256"
)

# (artist_id, parse_id) is unique in the seed and parse_id is derived from the artist and the file's bytes,
# so writing the same parse again updates the one row instead of adding a second. parse_timestamp moves only
# when the row becomes its upload's current parse again (a file reverted to earlier bytes, or identical bytes
# uploaded at another path): re-writing the current parse changes nothing, and a reverted set still reads as
# newer than the parse it replaced.
#
# Identical bytes at several upload paths share that one row (each path finds it through upload_parses). The
# row names one of them, whatever order the writes come in: the path first in byte order (COLLATE "C") of
# those written, with its project, file name, summary and export folder.
_NAMED_BY_PATH = ("project_name", "als_filename", "summary", "export_path", "source_path", "source_sha256")
_TAKES_THE_NAME = 's.source_path IS NULL OR EXCLUDED.source_path COLLATE "C" <= s.source_path COLLATE "C"'
_SET_NAMED_BY_PATH = ",\n    ".join(
    f"{column} = CASE WHEN {_TAKES_THE_NAME} THEN EXCLUDED.{column} ELSE s.{column} END"
    for column in _NAMED_BY_PATH
)
_UPSERT = f"""
INSERT INTO public.als_summaries AS s
    (artist_id, parse_id, project_name, als_filename, summary, export_path, source_path, source_sha256)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (artist_id, parse_id) DO UPDATE SET
    {_SET_NAMED_BY_PATH},
    parse_timestamp = CASE
        WHEN EXISTS (
            SELECT 1 FROM dawa_private.upload_parses u
            WHERE u.source_path = EXCLUDED.source_path AND u.als_summary_id = s.id
        ) THEN s.parse_timestamp
        ELSE now()
    END
RETURNING {_COLUMNS}
"""

# Each upload path points at its current parse (migration 0011).
_RECORD_UPLOAD = """
INSERT INTO dawa_private.upload_parses (source_path, als_summary_id) VALUES (%s, %s)
ON CONFLICT (source_path) DO UPDATE SET als_summary_id = EXCLUDED.als_summary_id, recorded_at = now()
WHERE upload_parses.als_summary_id IS DISTINCT FROM EXCLUDED.als_summary_id
"""


def upsert_summaries(conn: psycopg.Connection, rows: Sequence[SummaryRow]) -> list[StoredSummary]:
    """Write every row in the caller's transaction; returns the stored rows in input order."""
    stored: list[StoredSummary] = []
    with conn.cursor(row_factory=dict_row) as cur:
        for row in rows:
            cur.execute(
                _UPSERT,
                (
                    row.artist_id,
                    row.parse_id,
                    row.project_name,
                    row.als_filename,
                    Jsonb(row.summary),
                    row.export_path,
                    row.source_path,
                    row.source_sha256,
                ),
            )
            record = cur.fetchone()
            assert record is not None  # RETURNING always yields the written row
            cur.execute(_RECORD_UPLOAD, (row.source_path, record["id"]))
            stored.append(StoredSummary(**record))
    return stored


def latest_for_source(conn: psycopg.Connection, source_paths: Sequence[str]) -> dict[str, StoredSummary]:
    """The current parse of each upload path, keyed by path (its `source_path` is that path, even when
    identical bytes at another path wrote the row last); paths never parsed are absent."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""
            SELECT {_aliased("s", exclude="source_path")}, u.source_path
            FROM dawa_private.upload_parses u
            JOIN public.als_summaries s ON s.id = u.als_summary_id
            WHERE u.source_path = ANY(%s)
            """,
            (list(source_paths),),
        )
        return {r["source_path"]: StoredSummary(**r) for r in cur.fetchall()}


def latest_for_artist(conn: psycopg.Connection, artist_id: UUID) -> list[StoredSummary]:
    """The current parse of each of an artist's uploads (one entry for identical bytes uploaded twice), and
    the newest row of each project and file written without an upload path; by project and file name."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""
            SELECT * FROM (
                SELECT {_aliased("s")}
                FROM public.als_summaries s
                WHERE s.artist_id = %(artist)s
                  AND EXISTS (SELECT 1 FROM dawa_private.upload_parses u WHERE u.als_summary_id = s.id)
                UNION ALL
                (SELECT DISTINCT ON (s.project_name, s.als_filename) {_aliased("s")}
                 FROM public.als_summaries s
                 WHERE s.artist_id = %(artist)s AND s.source_path IS NULL
                 ORDER BY s.project_name, s.als_filename, s.parse_timestamp DESC, s.created_at DESC)
            ) latest
            ORDER BY project_name, als_filename, id
            """,
            {"artist": artist_id},
        )
        return [StoredSummary(**r) for r in cur.fetchall()]


def _aliased(table: str, exclude: str = "") -> str:
    """The StoredSummary columns qualified by `table` (one of this module's literals), minus `exclude`."""
    return ", ".join(f"{table}.{c.strip()}" for c in _COLUMNS.split(",") if c.strip() != exclude)

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
# so writing the same parse again updates the one row instead of adding a second.
_UPSERT = f"""
INSERT INTO public.als_summaries
    (artist_id, parse_id, project_name, als_filename, summary, export_path, source_path, source_sha256)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (artist_id, parse_id) DO UPDATE SET
    project_name = EXCLUDED.project_name,
    als_filename = EXCLUDED.als_filename,
    summary = EXCLUDED.summary,
    export_path = EXCLUDED.export_path,
    source_path = EXCLUDED.source_path,
    source_sha256 = EXCLUDED.source_sha256
RETURNING {_COLUMNS}
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
            stored.append(StoredSummary(**record))
    return stored


def latest_for_source(conn: psycopg.Connection, source_paths: Sequence[str]) -> dict[str, StoredSummary]:
    """The newest parse of each upload path (by parse time), keyed by path; missing paths are absent."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""
            SELECT DISTINCT ON (source_path) {_COLUMNS}
            FROM public.als_summaries
            WHERE source_path = ANY(%s)
            ORDER BY source_path, parse_timestamp DESC, created_at DESC
            """,
            (list(source_paths),),
        )
        return {r["source_path"]: StoredSummary(**r) for r in cur.fetchall()}


def latest_for_artist(conn: psycopg.Connection, artist_id: UUID) -> list[StoredSummary]:
    """The newest parse of each of an artist's uploads, ordered by project and file name."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            f"""
            SELECT * FROM (
                SELECT DISTINCT ON (coalesce(source_path, project_name || '/' || als_filename)) {_COLUMNS}
                FROM public.als_summaries
                WHERE artist_id = %s
                ORDER BY coalesce(source_path, project_name || '/' || als_filename),
                         parse_timestamp DESC, created_at DESC
            ) latest
            ORDER BY project_name, als_filename
            """,
            (artist_id,),
        )
        return [StoredSummary(**r) for r in cur.fetchall()]

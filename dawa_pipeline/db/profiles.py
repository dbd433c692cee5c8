"""The SQL of `artist_profiles`: read a profile, write its `master_schema` only over the version that was
read (so a refresh never overwrites a concurrent `dawa profile import`), and find the artists whose
summaries are newer than their profile."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row, tuple_row
from psycopg.types.json import Jsonb

from dawa_pipeline.db.artists import Artist


class ProfileConflict(Exception):
    """The stored profile changed between reading it and writing the new version; nothing was written."""


@dataclass(frozen=True)
class StoredProfile:
    artist_id: UUID
    name: str | None
    master_schema: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ProfileWrite:
    """A new `master_schema` for an artist, computed from `expected` (the stored document, None when the
    artist has no row yet). `changed` False means the document equals what is stored: nothing is written."""

    artist_id: UUID
    artist_name: str
    master_schema: dict[str, Any]
    expected: dict[str, Any] | None
    changed: bool


@dataclass(frozen=True)
class StaleArtist:
    """An artist whose newest summary is newer than their profile's last refresh."""

    artist: Artist
    newest_summary_at: datetime


_COLUMNS = "artist_id, name, master_schema, created_at, updated_at"


def get_profile(conn: psycopg.Connection[Any], artist_id: UUID) -> StoredProfile | None:
    """The artist's profile row, or None when there is none yet."""
    with conn.cursor(row_factory=class_row(StoredProfile)) as cur:
        return cur.execute(
            f"SELECT {_COLUMNS} FROM public.artist_profiles WHERE artist_id = %s", (artist_id,)
        ).fetchone()


def write_master_schema(conn: psycopg.Connection[Any], write: ProfileWrite) -> StoredProfile:
    """Store `write.master_schema` if the row still holds `write.expected` (compared as JSON values);
    raises ProfileConflict otherwise. A new row takes the artist's name in the seed's `name` column."""
    with conn.cursor(row_factory=class_row(StoredProfile)) as cur:
        if write.expected is None:
            stored = cur.execute(
                "INSERT INTO public.artist_profiles (artist_id, name, master_schema) VALUES (%s, %s, %s) "
                f"ON CONFLICT (artist_id) DO NOTHING RETURNING {_COLUMNS}",
                (write.artist_id, write.artist_name, Jsonb(write.master_schema)),
            ).fetchone()
        else:
            stored = cur.execute(
                "UPDATE public.artist_profiles SET master_schema = %s "
                f"WHERE artist_id = %s AND master_schema = %s RETURNING {_COLUMNS}",
                (Jsonb(write.master_schema), write.artist_id, Jsonb(write.expected)),
            ).fetchone()
    if stored is None:
        raise ProfileConflict(
            f"the profile of {write.artist_name!r} changed while it was being written; nothing was written"
        )
    return stored


# last_refreshed is written as "YYYY-MM-DDTHH:MM:SS+00:00" (UTC, whole seconds). In that form it compares
# as text in the "C" collation exactly as the times compare, so the query never casts a hand-edited string
# (a bad one would fail the whole query); any other form falls back to updated_at. The newest summary time is
# cut to whole seconds the same way, so a refresh in the same second as its newest summary counts as fresh.
_NEEDING_REFRESH = """
WITH newest AS (
    SELECT artist_id, max(parse_timestamp) AS at
    FROM public.als_summaries
    WHERE artist_id IS NOT NULL
    GROUP BY artist_id
)
SELECT a.id, a.name, a.slug, n.at
FROM newest n
JOIN public.artists a ON a.id = n.artist_id
LEFT JOIN public.artist_profiles p ON p.artist_id = n.artist_id
WHERE p.artist_id IS NULL
   OR CASE
        WHEN p.master_schema #>> '{provenance,last_refreshed}' IS NULL THEN true
        WHEN p.master_schema #>> '{provenance,last_refreshed}'
             ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+00:00$'
        THEN to_char(n.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"') COLLATE "C"
             > (p.master_schema #>> '{provenance,last_refreshed}') COLLATE "C"
        ELSE n.at > p.updated_at
      END
ORDER BY a.name, a.id
"""


def artists_needing_refresh(conn: psycopg.Connection[Any]) -> list[StaleArtist]:
    """Artists with summaries and either no profile, a profile never refreshed, or a newer summary than the
    profile's `provenance.last_refreshed`; by name."""
    with conn.cursor(row_factory=tuple_row) as cur:
        rows = cur.execute(_NEEDING_REFRESH).fetchall()
    return [StaleArtist(Artist(id=r[0], name=r[1], slug=r[2]), newest_summary_at=r[3]) for r in rows]

"""The SQL of `artists` and `user_artists`. Slugs are assigned by the database (migration 0004), so every
writer, SQL or Python, gets the same one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row

from dawa_pipeline.storage.layout import check_artist_name

_COLUMNS = "id, name, slug"
SLUG_CONSTRAINT = "artists_slug_key"  # migration 0004


@dataclass(frozen=True)
class Artist:
    id: UUID
    name: str
    slug: str


def ensure_artist(conn: psycopg.Connection[Any], name: str) -> Artist:
    """The artist called `name`, created (with a fresh slug) if there is none yet. Safe under concurrency:
    two writers creating the same name get the same row. Raises InvalidArtistName before any SQL."""
    name = check_artist_name(name)
    created = _insert_with_fresh_slug(conn, name)
    if created is not None:
        return created
    # On conflict the existing row, committed before this statement or by the writer it waited for, is
    # visible to the next statement.
    existing = _find(conn, "name", name)
    if existing is None:
        raise LookupError(f"artist {name!r} was deleted while being ensured")
    return existing


# Two new names with the same slug ("Nova Vale", "nova vale!") inserted at once both see the slug free; the
# second then fails on the slug's unique key and, retried, gets the next suffix.
_SLUG_RETRIES = 5


def _insert_with_fresh_slug(conn: psycopg.Connection[Any], name: str) -> Artist | None:
    """Insert `name` (None when the name exists); a slug taken meanwhile by another new name is retried."""
    if not conn.autocommit and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        # Open the caller's transaction first, so each attempt below is a savepoint inside it (the caller
        # still commits) rather than a transaction of its own.
        conn.execute("SELECT 1")
    for attempt in range(_SLUG_RETRIES):
        try:
            with conn.transaction(), conn.cursor(row_factory=class_row(Artist)) as cur:
                return cur.execute(
                    "INSERT INTO public.artists (name) VALUES (%s) "
                    f"ON CONFLICT (name) DO NOTHING RETURNING {_COLUMNS}",
                    (name,),
                ).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            if exc.diag.constraint_name != SLUG_CONSTRAINT or attempt == _SLUG_RETRIES - 1:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def get_artist(
    conn: psycopg.Connection[Any],
    *,
    slug: str | None = None,
    name: str | None = None,
    id: UUID | None = None,
) -> Artist | None:
    """The artist with exactly one of the given `slug`, `name` or `id`, or None."""
    given = [
        (column, value) for column, value in (("slug", slug), ("name", name), ("id", id)) if value is not None
    ]
    if len(given) != 1:
        raise ValueError("get_artist needs exactly one of slug, name or id")
    return _find(conn, *given[0])


def list_artists(conn: psycopg.Connection[Any]) -> list[Artist]:
    """Every artist the connection may see, by name."""
    with conn.cursor(row_factory=class_row(Artist)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM public.artists ORDER BY name, id").fetchall()


def add_member(conn: psycopg.Connection[Any], user_id: UUID, artist_id: UUID, role: str = "owner") -> None:
    """Make `user_id` a member of the artist with `role`; an existing membership takes the new role."""
    conn.execute(
        """
        INSERT INTO public.user_artists (user_id, artist_id, role) VALUES (%s, %s, %s)
        ON CONFLICT (user_id, artist_id) DO UPDATE SET role = EXCLUDED.role
        """,
        (user_id, artist_id, role),
    )


def _find(conn: psycopg.Connection[Any], column: str, value: object) -> Artist | None:
    # `column` is one of this module's literals, never user input.
    with conn.cursor(row_factory=class_row(Artist)) as cur:
        return cur.execute(f"SELECT {_COLUMNS} FROM public.artists WHERE {column} = %s", (value,)).fetchone()

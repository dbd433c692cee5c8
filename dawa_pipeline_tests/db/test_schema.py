"""The migrated schema is the seed's (spec/dawa-schema.md), written out here by hand, plus DAWA's additions
beside it. The front end was written against the seed, so any drift breaks it."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

TS = "timestamp with time zone"

# (column, type, nullable, default) in the seed's order.
SEED_COLUMNS: dict[str, list[tuple[str, str, bool, str | None]]] = {
    "artists": [
        ("id", "uuid", False, "gen_random_uuid()"),
        ("name", "text", False, None),
        ("created_at", TS, True, "now()"),
    ],
    "artist_profiles": [
        ("artist_id", "uuid", False, None),
        ("name", "text", True, None),
        ("master_schema", "jsonb", False, "'{}'::jsonb"),
        ("created_at", TS, True, "now()"),
        ("updated_at", TS, True, "now()"),
    ],
    "user_artists": [
        ("user_id", "uuid", False, None),
        ("artist_id", "uuid", False, None),
        ("role", "text", False, "'owner'::text"),
        ("created_at", TS, True, "now()"),
    ],
    "als_summaries": [
        ("id", "uuid", False, "gen_random_uuid()"),
        ("project_name", "text", True, None),
        ("als_filename", "text", False, None),
        ("parse_id", "text", False, None),
        ("parse_timestamp", TS, False, "now()"),
        ("summary", "jsonb", False, None),
        ("export_path", "text", True, None),
        ("artist_id", "uuid", True, None),
        ("created_at", TS, True, "now()"),
    ],
    "training_items": [
        ("id", "uuid", False, "gen_random_uuid()"),
        ("artist_id", "uuid", False, None),
        ("als_summary_id", "uuid", True, None),
        ("parse_id", "text", False, None),
        ("als_filename", "text", True, None),
        ("project_name", "text", True, None),
        ("audio_path", "text", True, None),
        ("prompt_path", "text", True, None),
        ("prompt_text", "text", True, None),
        ("status", "text", False, "'needs_audio'::text"),
        ("system_prompt_version", "text", True, None),
        ("model_name", "text", True, None),
        ("generated_at", TS, True, None),
        ("created_at", TS, True, "now()"),
        ("updated_at", TS, True, "now()"),
    ],
}

# The additions made by this adapter's migrations (0004, 0006).
DAWA_COLUMNS = {
    ("artists", "slug"): ("text", False, None),
    ("training_items", "failure_reason"): ("text", True, None),
    ("training_items", "audio_duration_seconds"): ("double precision", True, None),
    ("training_items", "audio_sample_rate"): ("integer", True, None),
}

PRIMARY_KEYS = {
    "artists": ("id",),
    "artist_profiles": ("artist_id",),
    "user_artists": ("user_id", "artist_id"),
    "als_summaries": ("id",),
    "training_items": ("id",),
}

UNIQUE_KEYS = {
    ("artists", ("name",)),
    ("artists", ("slug",)),  # DAWA: storage paths and bucket policies key on it
    ("als_summaries", ("als_filename", "parse_id")),
    ("als_summaries", ("artist_id", "parse_id")),
}

# (table, column) -> (referenced table, referenced column, ON DELETE)
FOREIGN_KEYS = {
    ("artist_profiles", "artist_id"): ("artists", "id", "CASCADE"),
    ("user_artists", "artist_id"): ("artists", "id", "CASCADE"),
    ("als_summaries", "artist_id"): ("artists", "id", "SET NULL"),
    ("training_items", "artist_id"): ("artists", "id", "CASCADE"),
    ("training_items", "als_summary_id"): ("als_summaries", "id", "SET NULL"),
}

ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def _columns(db: psycopg.Connection[Any], table: str) -> list[tuple[str, str, bool, str | None]]:
    rows = db.execute(
        """
        SELECT column_name, data_type, is_nullable = 'YES', column_default
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = %s
        ORDER BY ordinal_position
        """,
        (table,),
    ).fetchall()
    return [tuple(row) for row in rows]


def _constraints(db: psycopg.Connection[Any], kind: str) -> list[tuple[Any, ...]]:
    return db.execute(
        """
        SELECT rel.relname,
               ARRAY(SELECT att.attname FROM unnest(con.conkey) WITH ORDINALITY AS k (attnum, pos)
                     JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = k.attnum
                     ORDER BY k.pos),
               ref.relname,
               ARRAY(SELECT att.attname FROM unnest(con.confkey) WITH ORDINALITY AS k (attnum, pos)
                     JOIN pg_attribute att ON att.attrelid = con.confrelid AND att.attnum = k.attnum
                     ORDER BY k.pos),
               con.confdeltype
        FROM pg_constraint con
        JOIN pg_class rel ON rel.oid = con.conrelid
        JOIN pg_namespace ns ON ns.oid = rel.relnamespace
        LEFT JOIN pg_class ref ON ref.oid = con.confrelid
        WHERE ns.nspname = 'public' AND con.contype = %s AND rel.relname = ANY (%s)
        """,
        (kind, list(SEED_COLUMNS)),
    ).fetchall()


@pytest.mark.parametrize("table", list(SEED_COLUMNS))
def test_seed_columns_exactly_in_seed_order(db: psycopg.Connection[Any], table: str) -> None:
    actual = _columns(db, table)
    seed_names = [column[0] for column in SEED_COLUMNS[table]]
    assert [column for column in actual if column[0] in seed_names] == SEED_COLUMNS[table]


@pytest.mark.parametrize("table", list(SEED_COLUMNS))
def test_additions_beside_the_seed_keep_seed_inserts_working(db: psycopg.Connection[Any], table: str) -> None:
    """This adapter's columns are exactly as specified; any other non-seed column is nullable or defaulted, so
    an insert written for the seed still works (artists.slug is NOT NULL but filled by a trigger)."""
    seed_names = {column[0] for column in SEED_COLUMNS[table]}
    for name, data_type, nullable, default in _columns(db, table):
        if (table, name) in DAWA_COLUMNS:
            assert (data_type, nullable, default) == DAWA_COLUMNS[(table, name)]
        elif name not in seed_names:
            assert nullable or default is not None, f"{table}.{name} would break inserts written for the seed"


def test_dawa_columns_exist(db: psycopg.Connection[Any]) -> None:
    actual = {(table, c[0]) for table in SEED_COLUMNS for c in _columns(db, table)}
    assert set(DAWA_COLUMNS) <= actual


def test_primary_keys(db: psycopg.Connection[Any]) -> None:
    actual = {table: tuple(columns) for table, columns, *_ in _constraints(db, "p")}
    assert actual == PRIMARY_KEYS


def test_unique_keys(db: psycopg.Connection[Any]) -> None:
    actual = {(table, tuple(columns)) for table, columns, *_ in _constraints(db, "u")}
    assert actual == UNIQUE_KEYS


def test_artist_parse_unique_key_allows_nulls(db: psycopg.Connection[Any]) -> None:
    """A plain UNIQUE constraint (NULLS DISTINCT): summaries without an artist may share a parse_id."""
    nulls_not_distinct = db.execute(
        """
        SELECT i.indnullsnotdistinct FROM pg_constraint c JOIN pg_index i ON i.indexrelid = c.conindid
        WHERE c.conname = 'als_summaries_artist_id_parse_id_key'
        """
    ).fetchone()
    assert nulls_not_distinct == (False,)
    for filename in ("a.als", "b.als"):
        db.execute(
            "INSERT INTO als_summaries (als_filename, parse_id, summary) VALUES (%s, 'p1', '{}')", (filename,)
        )
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("INSERT INTO als_summaries (als_filename, parse_id, summary) VALUES ('a.als', 'p1', '{}')")


def test_foreign_keys_and_their_delete_actions(db: psycopg.Connection[Any]) -> None:
    actual = {
        (table, columns[0]): (ref_table, ref_columns[0], ON_DELETE[action])
        for table, columns, ref_table, ref_columns, action in _constraints(db, "f")
    }
    assert actual == FOREIGN_KEYS


@pytest.mark.parametrize(
    ("table", "leading_columns"),
    [
        ("training_items", ["artist_id", "status"]),  # the seed's queue index
        ("user_artists", ["artist_id"]),  # RLS policies look memberships up by artist
        ("user_artists", ["user_id", "artist_id"]),
        ("als_summaries", ["artist_id", "parse_id"]),
    ],
)
def test_indexes(db: psycopg.Connection[Any], table: str, leading_columns: list[str]) -> None:
    indexes = db.execute(
        """
        SELECT ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY AS k (attnum, pos)
                     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum ORDER BY k.pos)
        FROM pg_index i WHERE i.indrelid = %s::regclass
        """,
        (f"public.{table}",),
    ).fetchall()
    assert leading_columns in [row[0] for row in indexes]


def test_status_limited_to_the_seed_values(db: psycopg.Connection[Any]) -> None:
    artist_id = db.execute("INSERT INTO artists (name) VALUES ('A') RETURNING id").fetchone()[0]
    for status in ("needs_audio", "needs_prompt", "ready", "exported", "failed"):
        db.execute(
            "INSERT INTO training_items (artist_id, parse_id, status) VALUES (%s, 'p', %s)",
            (artist_id, status),
        )
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            "INSERT INTO training_items (artist_id, parse_id, status) VALUES (%s, 'p', 'done')", (artist_id,)
        )
    default = db.execute(
        "INSERT INTO training_items (artist_id, parse_id) VALUES (%s, 'p') RETURNING status", (artist_id,)
    )
    assert default.fetchone() == ("needs_audio",)


@pytest.mark.parametrize("table", ["artist_profiles", "training_items"])
def test_updated_at_is_maintained_on_update(db: psycopg.Connection[Any], table: str) -> None:
    artist_id = db.execute("INSERT INTO artists (name) VALUES ('A') RETURNING id").fetchone()[0]
    if table == "artist_profiles":
        db.execute(
            "INSERT INTO artist_profiles (artist_id, updated_at) VALUES (%s, '2000-01-01Z')", (artist_id,)
        )
        update = (
            "UPDATE artist_profiles SET name = 'renamed' RETURNING updated_at > now() - interval '1 minute'"
        )
    else:
        db.execute(
            "INSERT INTO training_items (artist_id, parse_id, updated_at) VALUES (%s, 'p', '2000-01-01Z')",
            (artist_id,),
        )
        update = (
            "UPDATE training_items SET status = 'ready' RETURNING updated_at > now() - interval '1 minute'"
        )
    assert db.execute(update).fetchone() == (True,)


def test_audio_measures_must_be_positive(db: psycopg.Connection[Any]) -> None:
    artist_id = db.execute("INSERT INTO artists (name) VALUES ('A') RETURNING id").fetchone()[0]
    insert = "INSERT INTO training_items (artist_id, parse_id, audio_duration_seconds, audio_sample_rate) "
    db.execute(insert + "VALUES (%s, 'p', 12.5, 44100)", (artist_id,))
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(insert + "VALUES (%s, 'p', 0, 44100)", (artist_id,))


def test_every_public_table_has_row_level_security(db: psycopg.Connection[Any]) -> None:
    """Supabase exposes public tables to anon and authenticated: without RLS a table is open to the world."""
    open_tables = db.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND NOT c.relrowsecurity
        """
    ).fetchall()
    assert open_tables == []

"""Migrations: ordered, idempotent, guarded by checksums, atomic per file, and safe to run on a database that
already holds what Supabase or the client's seed created."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.migrate import Migration, MigrationError, apply_migrations, load_migrations


@pytest.fixture
def empty_db(empty_database_url: str) -> Any:
    with connect(empty_database_url, autocommit=True) as conn:
        yield conn


def test_migrations_are_numbered_and_ordered() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == sorted(versions)
    assert versions[:6] == ["0001", "0002", "0003", "0004", "0005", "0006"]


def test_second_run_applies_nothing(empty_db: psycopg.Connection[Any]) -> None:
    first = apply_migrations(empty_db)
    assert [m.version for m in first] == [m.version for m in load_migrations()]
    assert apply_migrations(empty_db) == []
    recorded = empty_db.execute("SELECT version, checksum FROM dawa_migrations ORDER BY version").fetchall()
    assert recorded == [(m.version, m.checksum) for m in load_migrations()]


def test_every_file_can_run_again_over_its_own_result(db: psycopg.Connection[Any]) -> None:
    """Each file guards its objects, so it also runs on a project that already has them (Supabase's auth and
    storage, the client's seed tables and policies) without error or duplicates."""
    policies_before = db.execute("SELECT count(*) FROM pg_policies").fetchone()
    for migration in load_migrations():
        with db.transaction():
            db.execute(migration.sql.encode())
    assert db.execute("SELECT count(*) FROM pg_policies").fetchone() == policies_before


def test_an_edited_applied_migration_is_refused(db: psycopg.Connection[Any]) -> None:
    edited = [
        Migration(m.version, m.name, m.sql + "\n-- edited\n") if m.version == "0002" else m
        for m in load_migrations()
    ]
    with pytest.raises(MigrationError, match=r"0002_seed_tables\.sql: changed after it was applied"):
        apply_migrations(db, edited)


def test_a_failing_migration_names_its_file_and_leaves_nothing_behind(db: psycopg.Connection[Any]) -> None:
    broken = Migration("9999", "broken", "CREATE TABLE half_done (id int);\nSELECT 1 / 0;")
    with pytest.raises(MigrationError, match=r"9999_broken\.sql: division by zero"):
        apply_migrations(db, [*load_migrations(), broken])
    assert db.execute("SELECT to_regclass('public.half_done')").fetchone() == (None,)
    assert db.execute("SELECT count(*) FROM dawa_migrations WHERE version = '9999'").fetchone() == (0,)


def test_needs_an_autocommit_connection(database_url: str) -> None:
    with connect(database_url) as conn, pytest.raises(MigrationError, match="autocommit"):
        apply_migrations(conn)


def test_keeps_what_supabase_already_provides(empty_db: psycopg.Connection[Any]) -> None:
    """On Supabase auth.uid() and storage.foldername() exist (owned by Supabase); the compatibility migration
    must not replace them."""
    empty_db.execute("CREATE SCHEMA auth")
    supabase_uid = "00000000-0000-0000-0000-00000000000a"
    empty_db.execute(
        f"CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS $$ SELECT '{supabase_uid}'::uuid $$"
    )
    apply_migrations(empty_db)
    assert empty_db.execute("SELECT auth.uid()::text").fetchone() == (supabase_uid,)


def test_upgrades_a_project_holding_the_seed(empty_db: psycopg.Connection[Any]) -> None:
    """The client's project as the seed describes it: tables, data and the original policies (bare
    auth.uid()). Migrating keeps the data, gives existing artists slugs and rewrites the seed's policies in
    the (select auth.uid()) form under the same names."""
    compat, seed_tables, *_ = load_migrations()
    apply_migrations(empty_db, [compat])
    empty_db.execute(seed_tables.sql.encode().replace(b"CREATE TABLE IF NOT EXISTS", b"CREATE TABLE"))
    empty_db.execute("DELETE FROM dawa_migrations")  # as if the seed had been created by hand
    empty_db.execute(
        """
        ALTER TABLE als_summaries ENABLE ROW LEVEL SECURITY;
        CREATE POLICY "read summaries for my artists" ON public.als_summaries FOR SELECT TO authenticated
        USING (EXISTS (SELECT 1 FROM user_artists ua
                       WHERE ua.user_id = auth.uid() AND ua.artist_id = als_summaries.artist_id));
        INSERT INTO artists (name, created_at) VALUES ('bjork', '2024-01-02Z'), ('Björk', '2024-01-01Z');
        """
    )
    apply_migrations(empty_db)
    assert empty_db.execute("SELECT name, slug FROM artists ORDER BY created_at").fetchall() == [
        ("Björk", "bjork"),
        ("bjork", "bjork-2"),
    ]
    (qual,) = empty_db.execute(
        "SELECT qual FROM pg_policies WHERE policyname = 'read summaries for my artists'"
    ).fetchone()
    assert "SELECT auth.uid()" in qual

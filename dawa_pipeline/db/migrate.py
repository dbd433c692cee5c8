"""Plain-SQL migrations from the package's `migrations/` folder, applied in order, each in its own
transaction, and recorded with a checksum in `public.dawa_migrations` so that an edited, already-applied
file is caught."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg

from dawa_pipeline.db import DatabaseError

MIGRATION_NAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

# Serialises concurrent migrators of one database (CLI, dagster dev, demo started together).
_ADVISORY_LOCK_KEY = 0x0DA3A_0001

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS public.dawa_migrations (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationError(DatabaseError):
    """A migration could not be applied, or the database disagrees with the migration files."""


@dataclass(frozen=True)
class Migration:
    version: str
    name: str
    sql: str

    @property
    def filename(self) -> str:
        return f"{self.version}_{self.name}.sql"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations() -> list[Migration]:
    """The package's migrations in version order; a stray file or a duplicate version is an error."""
    folder = resources.files("dawa_pipeline.db") / "migrations"
    found: dict[str, Migration] = {}
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        match = MIGRATION_NAME.match(entry.name)
        if match is None:
            raise MigrationError(f"{entry.name}: migration files are named NNNN_lowercase_name.sql")
        migration = Migration(match["version"], match["name"], entry.read_text(encoding="utf-8"))
        if (clash := found.get(migration.version)) is not None:
            raise MigrationError(
                f"{entry.name}: version {migration.version} is also used by {clash.filename}"
            )
        found[migration.version] = migration
    return [found[version] for version in sorted(found)]


def apply_migrations(
    conn: psycopg.Connection[Any], migrations: list[Migration] | None = None
) -> list[Migration]:
    """Apply the pending migrations on an autocommit connection; returns those applied (empty when current).

    Raises MigrationError, naming the file, when an applied migration's file has changed or a migration fails
    (its transaction is rolled back, earlier ones stay applied)."""
    if not conn.autocommit:
        raise MigrationError(
            "apply_migrations needs an autocommit connection (each file is its own transaction)"
        )
    migrations = load_migrations() if migrations is None else migrations
    conn.execute("SELECT pg_advisory_lock(%s)", (_ADVISORY_LOCK_KEY,))
    try:
        conn.execute(_BOOKKEEPING)
        applied = dict(conn.execute("SELECT version, checksum FROM public.dawa_migrations").fetchall())
        pending = [m for m in migrations if m.version not in applied]
        for migration in migrations:
            recorded = applied.get(migration.version)
            if recorded is not None and recorded != migration.checksum:
                raise MigrationError(
                    f"{migration.filename}: changed after it was applied (file checksum "
                    f"{migration.checksum[:12]}, database has {recorded[:12]}); "
                    "add a new migration instead of editing an applied one"
                )
        for migration in pending:
            _apply(conn, migration)
        return pending
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (_ADVISORY_LOCK_KEY,))


def _apply(conn: psycopg.Connection[Any], migration: Migration) -> None:
    try:
        with conn.transaction():
            # No parameters: psycopg sends the file as one simple query, so it may hold many statements.
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO public.dawa_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
    except psycopg.Error as exc:
        raise MigrationError(f"{migration.filename}: {exc}".strip()) from exc

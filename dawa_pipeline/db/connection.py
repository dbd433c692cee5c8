"""Which Postgres DAWA uses and how to reach it: DAWA_DATABASE_URL, else the embedded server in DAWA_HOME."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row, tuple_row

from dawa_pipeline.settings import Settings, load_settings

# Embedded URLs already migrated by this process: later calls skip the round trip.
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def database_url(settings: Settings | None = None, *, migrate: bool = True) -> str:
    """The URL of the database in use. On the embedded default this starts the server if needed and, with
    `migrate`, applies pending migrations; an external DAWA_DATABASE_URL is returned untouched (migrate it
    explicitly with `dawa db migrate`, so production schema changes stay deliberate)."""
    settings = settings or load_settings()
    if settings.database_url:
        return settings.database_url
    from dawa_pipeline.db.embedded import start_embedded

    url = start_embedded(settings.pg_dir)
    if migrate:
        with _migrate_lock:
            if url not in _migrated:
                from dawa_pipeline.db.migrate import apply_migrations

                with connect(url, autocommit=True) as conn:
                    apply_migrations(conn)
                _migrated.add(url)
    return url


def connect(url: str, *, autocommit: bool = False, dict_rows: bool = False) -> psycopg.Connection[Any]:
    """A psycopg 3 connection. Rows are tuples unless `dict_rows`; without `autocommit`, work runs in a
    transaction the caller commits (or use the connection as a context manager: commit on success)."""
    return psycopg.connect(
        url,
        autocommit=autocommit,
        row_factory=dict_row if dict_rows else tuple_row,
        application_name="dawa",
        connect_timeout=10,
    )


def sqlalchemy_url(url: str, driver: str = "psycopg2") -> str:
    """`url` with an explicit SQLAlchemy driver. Dagster needs `postgresql+psycopg2://`: SQLAlchemy 2.1 maps
    a bare `postgresql://` to psycopg 3, which breaks dagster-postgres. Query parameters (the unix-socket
    `host`) are kept."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"not a Postgres URL (scheme {parts.scheme!r})")
    return urlunsplit(parts._replace(scheme=f"postgresql+{driver}"))


def with_database(url: str, database: str) -> str:
    """`url` pointing at another database on the same server."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(database, safe="")))

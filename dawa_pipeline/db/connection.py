"""Which Postgres DAWA uses and how to reach it: DAWA_DATABASE_URL, else the embedded server in DAWA_HOME."""

from __future__ import annotations

import math
import threading
import time
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg.rows import dict_row, tuple_row

from dawa_pipeline.db import DatabaseUnreachable
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


CONNECT_WAIT_S = 10.0


def connect(
    url: str, *, autocommit: bool = False, dict_rows: bool = False, wait_s: float = CONNECT_WAIT_S
) -> psycopg.Connection[Any]:
    """A psycopg 3 connection. Rows are tuples unless `dict_rows`; without `autocommit`, work runs in a
    transaction the caller commits (or use the connection as a context manager: commit on success).
    Retries for `wait_s` seconds (a restarting server), then raises DatabaseUnreachable."""
    started = time.monotonic()
    pause = 0.25
    while True:
        remaining = wait_s - (time.monotonic() - started)
        try:
            return psycopg.connect(
                url,
                autocommit=autocommit,
                row_factory=dict_row if dict_rows else tuple_row,
                application_name="dawa",
                connect_timeout=max(2, math.ceil(remaining)),
            )
        except psycopg.OperationalError as exc:
            if time.monotonic() - started + pause >= wait_s:
                first_line = (str(exc).strip().splitlines() or ["no reason given"])[0]
                reason = first_line.rsplit(": ", 1)[-1].strip()  # libpq: "connection to ... failed: <why>"
                raise DatabaseUnreachable(redacted_url(url), time.monotonic() - started, reason) from None
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def redacted_url(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


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

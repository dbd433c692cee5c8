"""`dawa db url|migrate|start|stop`: the database in use, its migrations and the embedded server."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from dawa_pipeline.cli import UsageError
from dawa_pipeline.settings import Settings, load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="the database: URL, migrations, embedded server")
    actions = parser.add_subparsers(dest="db_command", required=True)
    actions.add_parser(
        "url", help='print the URL of the database in use (psql "$(dawa db url)")'
    ).set_defaults(func=run_url)
    actions.add_parser("migrate", help="apply pending migrations").set_defaults(func=run_migrate)
    actions.add_parser("start", help="start the embedded Postgres and apply migrations").set_defaults(
        func=run_start
    )
    actions.add_parser("stop", help="stop the embedded Postgres").set_defaults(func=run_stop)


@contextmanager
def database_errors_as_usage() -> Iterator[None]:
    """Report start-up, connection and migration failures as one `error:` line, not a traceback."""
    import psycopg

    from dawa_pipeline.db import DatabaseError

    try:
        yield
    except (DatabaseError, psycopg.OperationalError) as exc:
        raise UsageError(" ".join(str(exc).split())) from None  # libpq messages span lines


def run_url(args: argparse.Namespace) -> int:
    from dawa_pipeline.db.connection import database_url

    with database_errors_as_usage():
        print(database_url())
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    from dawa_pipeline.db.connection import connect, database_url
    from dawa_pipeline.db.migrate import apply_migrations

    with database_errors_as_usage(), connect(database_url(migrate=False), autocommit=True) as conn:
        applied = apply_migrations(conn)
    for migration in applied:
        print(f"applied {migration.filename}")
    if not applied:
        print("no pending migrations")
    return 0


def run_start(args: argparse.Namespace) -> int:
    from dawa_pipeline.db.connection import database_url

    settings = _embedded_settings("start")
    with database_errors_as_usage():
        url = database_url(settings)
    print(f"embedded Postgres running in {settings.pg_dir}: {url}")
    return 0


def run_stop(args: argparse.Namespace) -> int:
    from dawa_pipeline.db.embedded import stop_embedded

    settings = _embedded_settings("stop")
    with database_errors_as_usage():
        stopped = stop_embedded(settings.pg_dir)
    state = "stopped" if stopped else "was not running"
    print(f"embedded Postgres in {settings.pg_dir} {state}")
    return 0


def _embedded_settings(action: str) -> Settings:
    settings = load_settings()
    if settings.database_url:
        raise UsageError(
            f"DAWA_DATABASE_URL is set: the database is external, no embedded server to {action}"
        )
    return settings

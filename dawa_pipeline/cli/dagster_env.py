"""`dawa dagster-env`: prepare DAGSTER_HOME under DAWA_HOME and print the `export` lines for `eval`."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from dawa_pipeline.cli.db import database_errors_as_usage


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dagster-env",
        help='prepare Dagster\'s instance (runs and events in Postgres); use as eval "$(dawa dagster-env)"',
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dawa_pipeline.db.dagster_instance import dagster_storage_url, write_dagster_home
    from dawa_pipeline.settings import load_settings

    settings = load_settings()
    with database_errors_as_usage():
        storage_url = dagster_storage_url(settings)
    write_dagster_home(settings.dagster_home, storage_url)
    if storage_url is None:
        print(
            "note: the database is external (DAWA_DATABASE_URL) and DAGSTER_POSTGRES_URL is unset: "
            f"Dagster keeps its runs in files under {settings.dagster_home}",
            file=sys.stderr,
        )
    print(f"export DAGSTER_HOME={shlex.quote(str(settings.dagster_home))}")
    print(f"export DAWA_HOME={shlex.quote(str(settings.home))}")
    return 0


def prepared_dagster_home() -> Path:
    """DAGSTER_HOME under DAWA_HOME, written and set for this process (the instance `make dev` uses)."""
    from dawa_pipeline.db.dagster_instance import dagster_storage_url, write_dagster_home
    from dawa_pipeline.settings import load_settings

    settings = load_settings()
    with database_errors_as_usage():
        storage_url = dagster_storage_url(settings)
    write_dagster_home(settings.dagster_home, storage_url)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    return settings.dagster_home

"""Dagster's own instance storage (runs, event logs, schedules, sensor cursors) on Postgres, so that they
survive restarts of `dagster dev`. Locally it is a `dagster` database on the embedded server; in production
DAGSTER_POSTGRES_URL (or the example below) points at any Postgres. It stays a database of its own because
Dagster creates and migrates its tables by itself."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from psycopg import sql

from dawa_pipeline.db.connection import connect, database_url, sqlalchemy_url, with_database
from dawa_pipeline.settings import Settings

DAGSTER_DATABASE = "dagster"
DAGSTER_YAML = "dagster.yaml"

# Run monitoring (the daemon), the same locally and in production, so dead runs end and free their pool
# slots: a run worker killed under a live code server is marked failed by that server within seconds (its
# orphan check; DefaultRunLauncher has no worker health check); a run stuck in STARTING or CANCELING is failed
# after 2 minutes; one whose worker vanished with everything else (no code server left to notice) is failed
# after max_runtime_seconds; a failed run's pool slots are freed at the first poll 30 s after it ends.
# benchmarks/bench_dead_runs.py measures it: kill -9 of a run worker, or the database down 75 s, under
# `dagster dev` and the daemon alone: FAILED within 10 s, its `parser` slot free about a minute later, the
# next run succeeds. DefaultRunLauncher cannot resume runs, hence no resume attempts.
RUN_MONITORING: dict[str, Any] = {
    "enabled": True,
    "start_timeout_seconds": 120,
    "cancel_timeout_seconds": 120,
    "max_runtime_seconds": 6 * 3600,
    "max_resume_run_attempts": 0,
    "poll_interval_seconds": 30,
    "free_slots_after_run_end_seconds": 30,
}

# A production DAGSTER_HOME/dagster.yaml: webserver and daemon share it. The scheme must stay
# postgresql+psycopg2: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which breaks dagster-postgres.
PRODUCTION_DAGSTER_YAML = """\
# Dagster instance for DAWA in production. Keep Dagster's tables in their own database (or project),
# not in the database holding DAWA's tables: Dagster creates and migrates them itself.
# After upgrading Dagster run `dagster instance migrate`.
storage:
  postgres:
    postgres_db:
      username: {{env: DAGSTER_PG_USERNAME}}
      password: {{env: DAGSTER_PG_PASSWORD}}
      hostname: {{env: DAGSTER_PG_HOST}}
      db_name: {{env: DAGSTER_PG_DB}}
      port: 5432
      scheme: postgresql+psycopg2
      params:
        sslmode: require
concurrency:
  runs:
    max_concurrent_runs: 4          # protects Postgres and the OpenAI rate limit
  pools:
    default_limit: 2
{run_monitoring}retention:
  schedule:
    purge_after_days: 90
  sensor:
    purge_after_days: {{skipped: 7, failure: 30, success: -1}}
telemetry:
  enabled: false
""".format(run_monitoring=yaml.safe_dump({"run_monitoring": RUN_MONITORING}, sort_keys=False))


def ensure_database(server_url: str, name: str) -> str:
    """Create database `name` on the server of `server_url` unless it exists; return its URL."""
    with connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server_url, name)


def dagster_storage_url(settings: Settings, environ: Mapping[str, str] | None = None) -> str | None:
    """The SQLAlchemy URL of Dagster's storage: DAGSTER_POSTGRES_URL when set, else the `dagster` database
    on the embedded server (started if needed). With an external DAWA_DATABASE_URL and no
    DAGSTER_POSTGRES_URL there is no database DAWA may create, so None: Dagster's default local storage."""
    env = os.environ if environ is None else environ
    if explicit := env.get("DAGSTER_POSTGRES_URL"):
        return sqlalchemy_url(explicit)
    if settings.database_url:
        return None
    return sqlalchemy_url(ensure_database(database_url(settings, migrate=False), DAGSTER_DATABASE))


# The daemon looks at the run queue every second (Dagster's default: 5 s, paid by every run a sensor requests,
# twice between an upload and its refreshed profile) and launches what it dequeues in parallel threads (each
# launch waits for the code server to start the run's process).
RUN_QUEUE = {"dequeue_interval_seconds": 1, "dequeue_use_threads": True}


def render_dagster_yaml(storage_url: str | None) -> str:
    """dagster.yaml text: Postgres storage at `storage_url` (default storage when None), run monitoring on,
    a run queue checked every second, telemetry off."""
    config: dict[str, Any] = {
        "run_monitoring": RUN_MONITORING,
        "run_queue": RUN_QUEUE,
        "telemetry": {"enabled": False},
    }
    if storage_url:
        config["storage"] = {"postgres": {"postgres_url": storage_url}}
    header = (
        "# Written by `dawa dagster-env` from DAWA_HOME and the database settings; edits are overwritten.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=True)


def write_dagster_home(home: Path, storage_url: str | None) -> Path:
    """Create DAGSTER_HOME `home` holding the dagster.yaml for `storage_url`; return the yaml's path. The file
    is rewritten only when its content changes, so a running webserver does not see a fresh mtime."""
    home.mkdir(parents=True, exist_ok=True)
    text = render_dagster_yaml(storage_url)
    config = home / DAGSTER_YAML
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return config

"""Dagster's instance storage on Postgres: a run's events land in the database and outlive the instance."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster_postgres.utils import pg_config, pg_url_from_config
from psycopg import sql

from dawa_pipeline.db.connection import connect, sqlalchemy_url
from dawa_pipeline.db.dagster_instance import (
    DAGSTER_YAML,
    PRODUCTION_DAGSTER_YAML,
    RUN_MONITORING,
    dagster_storage_url,
    ensure_database,
    render_dagster_yaml,
    write_dagster_home,
)
from dawa_pipeline.settings import load_settings


@pytest.fixture
def dagster_database_url(postgres_server_url: str) -> Iterator[str]:
    name = f"dagster_test_{uuid.uuid4().hex[:12]}"
    url = ensure_database(postgres_server_url, name)
    try:
        yield url
    finally:
        with connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dg.asset
def tiny_number() -> int:
    return 42


def test_run_events_land_in_postgres_and_survive_the_instance(
    dagster_database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "dagster"
    write_dagster_home(home, sqlalchemy_url(dagster_database_url))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        result = dg.materialize([tiny_number], instance=instance)
        assert result.success
        run_id = result.run_id

    with connect(dagster_database_url) as conn:
        events = {
            row[0]
            for row in conn.execute("SELECT dagster_event_type FROM event_logs WHERE run_id = %s", (run_id,))
        }
    expected = {
        dg.DagsterEventType.RUN_START,
        dg.DagsterEventType.ASSET_MATERIALIZATION,
        dg.DagsterEventType.RUN_SUCCESS,
    }
    assert {event.value for event in expected} <= events

    with dg.DagsterInstance.from_config(str(home)) as restarted:
        run = restarted.get_run_by_id(run_id)
        assert run is not None and run.is_success
        assert restarted.get_latest_materialization_event(dg.AssetKey("tiny_number")) is not None


def test_ensure_database_is_idempotent(dagster_database_url: str, postgres_server_url: str) -> None:
    name = urlsplit(dagster_database_url).path.lstrip("/")
    assert ensure_database(postgres_server_url, name) == dagster_database_url


def test_explicit_dagster_postgres_url_wins(dawa_home: Path) -> None:
    url = dagster_storage_url(
        load_settings(), {"DAGSTER_POSTGRES_URL": "postgresql://dagster@db.internal/dagster"}
    )
    assert url == "postgresql+psycopg2://dagster@db.internal/dagster"


def test_external_app_database_without_dagster_url_keeps_dagster_local(dawa_home: Path) -> None:
    """DAWA will not create databases on someone's production server: Dagster keeps its default storage."""
    assert dagster_storage_url(load_settings(), {}) is None
    config = yaml.safe_load(render_dagster_yaml(None))
    assert set(config) == {"run_monitoring", "run_queue", "telemetry"}
    assert config["run_monitoring"] == RUN_MONITORING


def test_the_written_instance_monitors_runs(dagster_database_url: str, tmp_path: Path) -> None:
    """Dead runs end: the dagster.yaml DAWA writes loads as an instance with run monitoring on and the
    timeouts that mark a stuck run failed within about two minutes and free its pool slots."""
    home = tmp_path / "dagster"
    write_dagster_home(home, sqlalchemy_url(dagster_database_url))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_start_timeout_seconds == 120
        assert instance.run_monitoring_cancel_timeout_seconds == 120
        assert instance.run_monitoring_max_resume_run_attempts == 0
        assert instance.run_monitoring_poll_interval_seconds == 30
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] == 30


def test_dagster_yaml_is_rewritten_only_when_it_changes(tmp_path: Path) -> None:
    config = write_dagster_home(tmp_path / "dh", "postgresql+psycopg2://postgres:@/dagster?host=/x")
    assert config == tmp_path / "dh" / DAGSTER_YAML
    stamp = config.stat().st_mtime_ns
    write_dagster_home(tmp_path / "dh", "postgresql+psycopg2://postgres:@/dagster?host=/x")
    assert config.stat().st_mtime_ns == stamp
    write_dagster_home(tmp_path / "dh", None)
    assert "storage" not in yaml.safe_load(config.read_text())


def test_production_example_is_valid_dagster_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DAGSTER_PG_USERNAME": "dagster",
        "DAGSTER_PG_PASSWORD": "s3cret:with@chars",
        "DAGSTER_PG_HOST": "db.example.com",
        "DAGSTER_PG_DB": "dagster",
    }.items():
        monkeypatch.setenv(name, value)
    (tmp_path / DAGSTER_YAML).write_text(PRODUCTION_DAGSTER_YAML)
    config, _ = dagster_instance_config(str(tmp_path))
    assert config["run_monitoring"] == RUN_MONITORING
    storage = process_config(pg_config(), config["storage"]["postgres"])
    assert storage.success, storage.errors
    assert pg_url_from_config(storage.value) == (
        "postgresql+psycopg2://dagster:s3cret%3Awith%40chars@db.example.com:5432/dagster?sslmode=require"
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://postgres:@/postgres?host=/tmp/pg",
            "postgresql+psycopg2://postgres:@/postgres?host=/tmp/pg",
        ),
        ("postgres://u:p@h:5432/db?sslmode=require", "postgresql+psycopg2://u:p@h:5432/db?sslmode=require"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg2://u@h/db"),
    ],
)
def test_sqlalchemy_url(url: str, expected: str) -> None:
    assert sqlalchemy_url(url) == expected


def test_sqlalchemy_url_refuses_other_databases() -> None:
    with pytest.raises(ValueError, match="not a Postgres URL"):
        sqlalchemy_url("mysql://u@h/db")


def test_the_daemon_checks_the_run_queue_every_second(tmp_path: Path) -> None:
    """Every sensor-requested run waits in the queue until the daemon next looks (Dagster's default: 5 s)."""
    write_dagster_home(tmp_path / "dh", None)
    with dg.DagsterInstance.from_config(str(tmp_path / "dh")) as instance:
        coordinator = instance.run_coordinator
        assert isinstance(coordinator, dg.QueuedRunCoordinator)
        assert coordinator.dequeue_interval_seconds == 1
        assert coordinator.dequeue_use_threads

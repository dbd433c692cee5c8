"""The database stopped while a bulk run parses, and started again: the run fails with one line saying where
the database is and for how long it was unreachable (a dg.Failure, no psycopg traceback), nothing is half
written, and the re-run completes. The CLI says the same in one `error:` line. A Postgres server of the test's
own (the session's is shared by the other tests), embedded in its tmp folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from conftest import BULK_SETS
from killed_run import midway
from pipeline_env import PipelineEnv

from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.embedded import start_embedded, stop_embedded
from dawa_pipeline.db.migrate import apply_migrations
from dawa_pipeline.defs.ingest import assets as ingest

ARTIST = "Nightshift Atlas"
DAWA = Path(sys.executable).with_name("dawa")
UNREACHABLE = re.compile(r"database unreachable at (\S+) for (\d+) s \(.+\)")


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Path]:
    """The folder of a migrated embedded server for this test alone; stopped afterwards."""
    pg_dir = tmp_path / "pg"
    try:
        with connect(start_embedded(pg_dir), autocommit=True) as conn:
            apply_migrations(conn)
        yield pg_dir
    finally:
        stop_embedded(pg_dir)


def test_a_run_that_loses_the_database_fails_in_one_line_and_the_rerun_completes(
    own_server, bulk_sets, tmp_path, monkeypatch
):
    url = start_embedded(own_server)
    with dg.instance_for_test() as instance:
        env = PipelineEnv(url, tmp_path / "storage", instance)
        env.upload(ARTIST, bulk_sets)
        tick = env.tick()
        # The server stops once half of the batch is handed to the parse workers.
        monkeypatch.setattr(
            ingest, "_parse_jobs", midway(ingest._parse_jobs, lambda: stop_embedded(own_server))
        )

        (run,) = env.run_requested(tick)

        assert not run.success
        (failure,) = run.get_step_failure_events()
        assert failure.step_key == "als_summary"
        error = failure.step_failure_data.error
        assert error.cls_name == "Failure" and error.cause is None and error.context is None
        message = failure.step_failure_data.user_failure_data.description
        assert (found := UNREACHABLE.fullmatch(message)) and found[1] == url
        assert "psycopg" not in error.to_string()

        start_embedded(own_server)
        with connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM als_summaries").fetchone() == (0,)
        monkeypatch.undo()
        (rerun,) = env.run_requested(tick)

        assert rerun.success
        with connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM als_summaries").fetchone() == (BULK_SETS,)


def test_dawa_upload_with_the_database_down_is_one_error_line(own_server, bulk_sets, tmp_path):
    url = start_embedded(own_server)
    stop_embedded(own_server)
    env = {**os.environ, "DAWA_DATABASE_URL": url, "DAWA_HOME": str(tmp_path / "home")}

    result = subprocess.run(
        [str(DAWA), "upload", "--artist", ARTIST, str(bulk_sets[0])],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert (found := UNREACHABLE.fullmatch(result.stderr.removeprefix("error: ").strip()))
    assert found[1] == url
    assert not (tmp_path / "home" / "storage").exists()  # nothing uploaded

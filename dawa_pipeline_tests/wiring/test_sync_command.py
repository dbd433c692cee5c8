"""`dawa sync` as a cron job runs it: uploads made with `dawa upload`, then `dawa sync` in a process of its
own, on the test's database and a DAWA_HOME in tmp, without a daemon."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dawa_pipeline.db.connection import connect

ARTIST = "Nightshift Atlas"
SLUG = "nightshift-atlas"


def _dawa(*args: str) -> subprocess.CompletedProcess[str]:
    dawa = Path(sys.executable).with_name("dawa")
    return subprocess.run(
        [str(dawa), *args], capture_output=True, text=True, env={**os.environ}, timeout=600, check=False
    )


@pytest.fixture
def broken_set(tmp_path: Path) -> Path:
    path = tmp_path / "Broken Project" / "Broken.als"
    path.parent.mkdir()
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"not really gzip")
    return path


def test_a_bad_set_fails_alone_and_a_second_sync_has_nothing_to_do(
    dawa_home, database_url, demo_sets, broken_set
):
    good = demo_sets[ARTIST][:2]
    uploaded = _dawa("upload", "--artist", ARTIST, *map(str, good), str(broken_set))
    assert uploaded.returncode == 0, uploaded.stderr

    first = _dawa("sync")

    assert first.returncode == 1, first.stdout + first.stderr
    # The failed run's line, then the bad set by its partition with the parser's reason.
    (reason,) = [line.strip() for line in first.stdout.splitlines() if line.startswith("  ")]
    assert reason.startswith(f"{SLUG}::Broken::Broken.als: Broken.als: damaged or truncated gzip data"), (
        reason
    )
    assert "1 failed" in first.stdout.splitlines()[-1]
    with connect(database_url) as conn:
        stems = {row[0] for row in conn.execute("SELECT als_filename FROM als_summaries").fetchall()}
        (sources,) = conn.execute(
            "SELECT p.master_schema #> '{provenance,sources,daw}' FROM artist_profiles p "
            "JOIN artists a ON a.id = p.artist_id WHERE a.slug = %s",
            (SLUG,),
        ).fetchone()
    assert stems == {path.name for path in good}
    assert len(sources) == len(good)
    exports = list((dawa_home / "storage" / "artists" / SLUG / "daw-data").glob("**/summary.json"))
    assert sorted(path.parent.parent.name for path in exports) == sorted(path.stem for path in good)

    second = _dawa("sync")

    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.strip() == "sync: 0 runs, 0 succeeded, 0 failed"


@pytest.mark.parametrize("timeout", ["0", "-5"])
def test_a_timeout_that_is_not_positive_is_a_usage_error(dawa_home, timeout):
    result = _dawa("sync", f"--timeout={timeout}")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: --timeout must be a positive number of seconds, not {float(timeout):g}"
    ]
    assert result.stdout == ""


def test_work_left_at_the_timeout_is_one_error_line_and_the_next_sync_finishes_it(
    dawa_home, database_url, demo_sets
):
    uploaded = _dawa("upload", "--artist", ARTIST, *map(str, demo_sets[ARTIST][:1]))
    assert uploaded.returncode == 0, uploaded.stderr

    cut_short = _dawa("sync", "--timeout=0.001")

    assert cut_short.returncode == 1
    (line,) = [line for line in cut_short.stderr.splitlines() if line.startswith("error:")]
    assert line.startswith("error: --timeout 0.001 s reached with work pending")
    assert "Traceback" not in cut_short.stderr
    finished = _dawa("sync")
    assert finished.returncode == 0, finished.stdout + finished.stderr
    with connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM als_summaries").fetchone() == (1,)

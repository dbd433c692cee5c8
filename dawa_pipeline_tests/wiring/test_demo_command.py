"""`make demo` runs `dawa demo`: the whole chain, twice, on one DAWA_HOME, with every output where it says."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from dawa_pipeline.db.connection import connect


def _demo(env: dict[str, str]) -> str:
    dawa = Path(sys.executable).with_name("dawa")
    result = subprocess.run([str(dawa), "demo"], capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_demo_runs_the_whole_chain_and_a_second_run_changes_nothing(dawa_home, database_url):
    env = {**os.environ}
    out = _demo(env)

    with connect(database_url) as conn:
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM training_items GROUP BY status").fetchall()
        )
        (summaries,) = conn.execute("SELECT count(*) FROM als_summaries").fetchone()
        profiles = conn.execute(
            "SELECT a.name, p.master_schema FROM artist_profiles p JOIN artists a ON a.id = p.artist_id"
        ).fetchall()
    assert summaries == 12
    assert statuses == {"exported": 12}
    assert {name for name, _ in profiles} == {"Nightshift Atlas", "Velvet Marrow"}
    for _, master_schema in profiles:
        assert master_schema["daw_fingerprint_aggregates"]["core_bpm_range"]["cluster_centers"]

    zips = re.findall(r"dataset (\S+\.zip)", out)
    assert len(zips) == 2
    for path in zips:
        assert Path(path).is_relative_to(dawa_home)
        with zipfile.ZipFile(path) as archive:
            assert any(name.endswith("data.jsonl") for name in archive.namelist())
    assert len(re.findall(r"caption \(", out)) == 2
    exports = re.findall(r"^\s+(/.+/summary\.json)$", out, flags=re.MULTILINE)
    assert len(exports) == 12
    assert all(Path(path).is_file() for path in exports)

    again = _demo(env)
    assert "unchanged since its last run" in again
    with connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM als_summaries").fetchone() == (12,)

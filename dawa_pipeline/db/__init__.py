"""The database adapter: embedded or external Postgres, migrations, and the SQL each table needs."""

from __future__ import annotations


class DatabaseError(Exception):
    """A database problem DAWA can explain in one line (start-up, migrations, configuration)."""


class DatabaseUnreachable(DatabaseError):
    """No connection to the database within the wait: the server is down, or the URL or network is wrong.
    The message names the URL without its password; Dagster code turns this into a `dg.Failure`."""

    def __init__(self, url: str, waited_s: float, reason: str) -> None:
        super().__init__(f"database unreachable at {url} for {waited_s:.0f} s ({reason})")
        self.url, self.waited_s, self.reason = url, waited_s, reason

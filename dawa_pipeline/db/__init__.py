"""The database adapter: embedded or external Postgres, migrations, and the SQL each table needs."""

from __future__ import annotations


class DatabaseError(Exception):
    """A database problem DAWA can explain in one line (start-up, migrations, configuration)."""

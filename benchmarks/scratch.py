"""What every benchmark starts from: a throwaway folder with a migrated embedded Postgres, removed after."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def scratch_database(prefix: str) -> Iterator[tuple[Path, str]]:
    """(work folder, database URL) of a migrated embedded Postgres in a new temporary folder."""
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.db.embedded import start_embedded, stop_embedded
    from dawa_pipeline.db.migrate import apply_migrations

    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        url = start_embedded(work / "pg")
        with connect(url, autocommit=True) as conn:
            apply_migrations(conn)
        yield work, url
    finally:
        stop_embedded(work / "pg")
        shutil.rmtree(work, ignore_errors=True)

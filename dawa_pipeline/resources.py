"""Dagster resources for the database and storage, configured from the environment by default."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import psycopg

from dawa_pipeline.settings import load_settings
from dawa_pipeline.storage.backend import StorageBackend


class DatabaseResource(dg.ConfigurableResource):
    """The DAWA Postgres: `url` when given, else DAWA_DATABASE_URL, else the embedded one under DAWA_HOME."""

    url: str | None = None

    def resolved_url(self) -> str:
        from dawa_pipeline.db.connection import database_url

        return self.url or database_url(load_settings())

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """A connection whose work commits on success and rolls back on any error."""
        from dawa_pipeline.db.connection import connect

        with connect(self.resolved_url()) as conn, conn.transaction():
            yield conn


class StorageResource(dg.ConfigurableResource):
    """Object storage: a local folder (`root`, default DAWA_HOME/storage) or Supabase Storage
    (DAWA_STORAGE=supabase)."""

    root: str | None = None

    def backend(self) -> StorageBackend:
        from dawa_pipeline.storage import LocalStorage, storage_from_settings

        if self.root:
            return LocalStorage(Path(self.root))
        return storage_from_settings(load_settings())

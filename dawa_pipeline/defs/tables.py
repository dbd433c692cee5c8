"""Table handlers for the Postgres IO manager: how an output type becomes rows of its table and back.

The SQL lives in the `db/` module that owns each table; a handler only maps partitions onto it. The registry
`TABLE_HANDLERS` is built here, once, and handed to the IO manager explicitly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import dagster as dg
import psycopg

from dawa_pipeline.db import artists, profiles

TABLE_METADATA_KEY = "dawa/table"
"""Asset metadata naming the table the Postgres IO manager writes the asset's output into."""


class TableHandler(Protocol):
    """Writes one output type into one table and reads it back; one implementation per table."""

    table: ClassVar[str]
    output_type: ClassVar[type]

    def write(self, conn: psycopg.Connection, items: Mapping[str | None, Any]) -> dict[str, Any]:
        """Write every partition's value in the caller's transaction; returns output metadata."""
        ...

    def read(self, conn: psycopg.Connection, partition_keys: list[str | None]) -> dict[str | None, Any]:
        """The stored value of each partition; raise when one is missing."""
        ...


class ArtistProfileTable:
    """`ProfileWrite` outputs of artist partitions → the artist's `artist_profiles` row, written only when
    the document changed and only over the version the refresh read; read back as `StoredProfile`."""

    table: ClassVar[str] = "artist_profiles"
    output_type: ClassVar[type] = profiles.ProfileWrite

    def write(self, conn: psycopg.Connection, items: Mapping[str | None, Any]) -> dict[str, Any]:
        written = []
        for key, write in items.items():
            if not write.changed:
                continue
            try:
                profiles.write_master_schema(conn, write)
            except profiles.ProfileConflict as exc:
                raise dg.Failure(f"{key}: {exc}; materialize artist_master_schema again") from None
            written.append(key)
        return {"dagster/row_count": len(written), "dawa/written": dg.MetadataValue.json(written)}

    def read(self, conn: psycopg.Connection, partition_keys: list[str | None]) -> dict[str | None, Any]:
        stored: dict[str | None, Any] = {}
        for key in partition_keys:
            artist = artists.get_artist(conn, slug=key) if key else None
            profile = profiles.get_profile(conn, artist.id) if artist else None
            if profile is None:
                raise dg.Failure(f"no artist_profiles row for {key!r}; materialize artist_master_schema")
            stored[key] = profile
        return stored


TABLE_HANDLERS: Mapping[str, TableHandler] = {handler.table: handler for handler in (ArtistProfileTable(),)}

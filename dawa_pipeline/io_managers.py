"""Generic, partition-aware IO managers for Postgres tables and object storage.

Which table an output goes to comes from the asset's declaration (`metadata={"dawa/table": ...}`) and which
handler writes it from the output's type; the SQL itself lives in the `db/` module that owns the table.
Storage outputs are `StorageArtifact`s that carry their own folder (built by `storage.layout`).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

import dagster as dg
import psycopg

from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.storage import layout

TABLE_METADATA_KEY = "dawa/table"


def partition_items(context: dg.OutputContext | dg.InputContext, obj: Any) -> dict[str | None, Any]:
    """{partition key: value} of an output: a partition range arrives as a dict keyed by partition."""
    if not context.has_asset_partitions:
        return {None: obj}
    keys = context.asset_partition_keys
    if len(keys) == 1 and not (isinstance(obj, Mapping) and set(obj) == set(keys)):
        return {keys[0]: obj}
    if not isinstance(obj, Mapping):
        raise dg.DagsterInvariantViolationError(
            f"{context.asset_key.to_user_string()}: a run over {len(keys)} partitions must output a dict "
            "keyed by partition"
        )
    return dict(obj)


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


_HANDLERS: dict[str, TableHandler] = {}


def register_table_handler(handler: TableHandler) -> TableHandler:
    """Make a table writable through the Postgres IO manager (called by each handler's module at import)."""
    _HANDLERS[handler.table] = handler
    return handler


def _handler_for(context: dg.OutputContext | dg.InputContext) -> TableHandler:
    metadata = context.definition_metadata or {}
    table = metadata.get(TABLE_METADATA_KEY)
    if table is None:
        raise dg.DagsterInvariantViolationError(
            f"{context.asset_key.to_user_string()}: the Postgres IO manager needs metadata "
            f"{{'{TABLE_METADATA_KEY}': <table>}} on the asset"
        )
    _load_handlers()
    try:
        return _HANDLERS[str(table)]
    except KeyError:
        raise dg.DagsterInvariantViolationError(f"no table handler for {table!r}") from None


def _load_handlers() -> None:
    """Import the modules that register table handlers (kept lazy to avoid import cycles)."""
    import dawa_pipeline.table_handlers  # noqa: F401


class PostgresIOManager(dg.ConfigurableIOManager):
    """Writes outputs into the DAWA tables (one transaction per output) and loads them back downstream."""

    database: dg.ResourceDependency[DatabaseResource]

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        handler = _handler_for(context)
        items = partition_items(context, obj)
        wrong = [k for k, v in items.items() if not isinstance(v, handler.output_type)]
        if wrong:
            raise dg.DagsterInvariantViolationError(
                f"{context.asset_key.to_user_string()}: table {handler.table} takes "
                f"{handler.output_type.__name__} outputs, got {type(items[wrong[0]]).__name__}"
            )
        if not items:
            return
        with self.database.transaction() as conn:
            metadata = handler.write(conn, items)
        context.add_output_metadata({"dagster/table_name": f"public.{handler.table}", **metadata})

    def load_input(self, context: dg.InputContext) -> Any:
        upstream = context.upstream_output
        assert upstream is not None  # inputs loaded by this manager always come from an asset
        handler = _handler_for(upstream)
        keys: list[str | None] = (
            list(context.asset_partition_keys) if context.has_asset_partitions else [None]
        )
        with self.database.transaction() as conn:
            values = handler.read(conn, keys)
        if keys == [None] or len(keys) == 1:
            return values[keys[0]]
        return values


@dataclass(frozen=True)
class StorageArtifact:
    """Files to publish together under one storage folder (the folder comes from `storage.layout`)."""

    directory: str
    files: Mapping[str, bytes | Path]  # a Path streams a large local file (e.g. a dataset zip)
    content_types: Mapping[str, str] = field(default_factory=dict)
    # Called once every file is stored, e.g. to mark what the files hold as published; never on failure.
    on_published: Callable[[], None] | None = None

    def path_of(self, name: str) -> str:
        return layout.file_in(self.directory, name)


class StorageIOManager(dg.ConfigurableIOManager):
    """Publishes `StorageArtifact` outputs into object storage (local folder or Supabase bucket)."""

    storage: dg.ResourceDependency[StorageResource]

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        items = partition_items(context, obj)
        backend = self.storage.backend()
        written: list[str] = []
        for key, artifact in items.items():
            if not isinstance(artifact, StorageArtifact):
                raise dg.DagsterInvariantViolationError(
                    f"{context.asset_key.to_user_string()} (partition {key}): the storage IO manager takes "
                    f"StorageArtifact outputs, got {type(artifact).__name__}"
                )
            for name, data in artifact.files.items():
                path = artifact.path_of(name)
                content_type = artifact.content_types.get(name, _content_type(name))
                if isinstance(data, Path):
                    backend.put_file(path, data, content_type)
                else:
                    backend.put(path, data, content_type)
                written.append(path)
            if artifact.on_published is not None:
                artifact.on_published()
        if written:
            context.add_output_metadata(
                {
                    "dawa/paths_written": dg.MetadataValue.json(written),
                    "dawa/location": dg.MetadataValue.text(backend.describe(written[0])),
                }
            )

    def load_input(self, context: dg.InputContext) -> Any:
        raise dg.DagsterInvariantViolationError(
            f"{context.asset_key.to_user_string()}: storage artifacts are read by path from the storage "
            "resource, not loaded as inputs"
        )


_CONTENT_TYPES = {
    ".json": "application/json",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
    ".mp3": "audio/mpeg",
}


def _content_type(name: str) -> str:
    for suffix, content_type in _CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/octet-stream"

"""The code location's resources: DAWA's Postgres, object storage, the IO managers over them and the caption
writer, bound once (`resources` below, loaded with the rest of defs/). Settings come from the environment as
Dagster config (`dg.EnvVar` wherever the environment sets one), so the UI's resource page shows where each
one points."""

import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg

from dawa_pipeline.db import DatabaseUnreachable
from dawa_pipeline.db.connection import connect, database_url
from dawa_pipeline.defs.env import env_or
from dawa_pipeline.defs.tables import TABLE_HANDLERS, TABLE_METADATA_KEY, TableHandler
from dawa_pipeline.defs.training.resources import PromptWriterResource
from dawa_pipeline.settings import DEFAULT_RESUMABLE_THRESHOLD, load_settings
from dawa_pipeline.storage import layout, open_storage
from dawa_pipeline.storage.backend import StorageBackend
from dawa_pipeline.storage.leftovers import remove_stale_partials


class DatabaseResource(dg.ConfigurableResource):
    """DAWA's Postgres: `url` (DAWA_DATABASE_URL) when set, else the embedded server under `home`
    (DAWA_HOME), started and migrated on first use."""

    url: str | None = None
    home: str | None = None

    def resolved_url(self) -> str:
        if self.url:
            return self.url
        settings = load_settings()
        if self.home:
            settings = replace(settings, home=Path(self.home), database_url=None)
        return database_url(settings)

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        """A connection whose work commits on success and rolls back on any error. A database that stays
        unreachable fails the step with one line saying where and for how long."""
        try:
            conn = connect(self.resolved_url())
        except DatabaseUnreachable as exc:
            raise dg.Failure(description=str(exc)) from None
        with conn, conn.transaction():
            yield conn


class StorageResource(dg.ConfigurableResource):
    """Object storage: the local folder `root` (kind "local", DAWA_HOME/storage by default) or the
    dawa-exports bucket of Supabase Storage (kind "supabase", DAWA_STORAGE=supabase)."""

    kind: str = "local"
    root: str | None = None
    supabase_url: str | None = None
    supabase_service_role_key: str | None = None
    resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD

    def backend(self) -> StorageBackend:
        return open_storage(
            self.kind,
            root=Path(self.root) if self.root else load_settings().storage_dir,
            supabase_url=self.supabase_url,
            supabase_service_role_key=self.supabase_service_role_key,
            resumable_threshold=self.resumable_threshold,
        )

    def publish(self, artifact: "StorageArtifact") -> list[str]:
        """Store every file of `artifact` (content type from its name unless given); the paths written.
        Unfinished writes a killed run left in the folder go first."""
        backend = self.backend()
        remove_stale_partials(backend, artifact.directory)
        written = []
        for name, data in artifact.files.items():
            path = artifact.path_of(name)
            content_type = artifact.content_types.get(name, layout.content_type_of(name))
            if isinstance(data, Path):
                backend.put_file(path, data, content_type)
            else:
                backend.put(path, data, content_type)
            written.append(path)
        return written


def database_from_env() -> DatabaseResource:
    return DatabaseResource(url=env_or("DAWA_DATABASE_URL"), home=env_or("DAWA_HOME"))


def storage_from_env() -> StorageResource:
    settings = load_settings()
    return StorageResource(
        kind=env_or("DAWA_STORAGE", "local"),
        root=str(settings.storage_dir),
        supabase_url=env_or("SUPABASE_URL"),
        supabase_service_role_key=env_or("SUPABASE_SERVICE_ROLE_KEY"),
        resumable_threshold=settings.storage_resumable_threshold,
    )


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


class TableIOManager(dg.IOManager):
    """Writes outputs into the DAWA tables (one transaction per output) and loads them back downstream."""

    def __init__(self, database: DatabaseResource, handlers: Mapping[str, TableHandler]) -> None:
        self._database = database
        self._handlers = handlers

    def _handler_for(self, context: dg.OutputContext | dg.InputContext) -> TableHandler:
        table = (context.definition_metadata or {}).get(TABLE_METADATA_KEY)
        if table is None:
            raise dg.DagsterInvariantViolationError(
                f"{context.asset_key.to_user_string()}: the Postgres IO manager needs metadata "
                f"{{'{TABLE_METADATA_KEY}': <table>}} on the asset"
            )
        try:
            return self._handlers[str(table)]
        except KeyError:
            raise dg.DagsterInvariantViolationError(f"no table handler for {table!r}") from None

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        handler = self._handler_for(context)
        items = partition_items(context, obj)
        wrong = [k for k, v in items.items() if not isinstance(v, handler.output_type)]
        if wrong:
            raise dg.DagsterInvariantViolationError(
                f"{context.asset_key.to_user_string()}: table {handler.table} takes "
                f"{handler.output_type.__name__} outputs, got {type(items[wrong[0]]).__name__}"
            )
        if not items:
            return
        with self._database.transaction() as conn:
            metadata = handler.write(conn, items)
        # The handler's figures describe the whole output: on a run over several partitions they would land
        # on every partition's event as if they were its own, so they are kept for single partitions.
        single = len(items) == 1
        context.add_output_metadata(
            {"dagster/table_name": f"public.{handler.table}", **(metadata if single else {})}
        )

    def load_input(self, context: dg.InputContext) -> Any:
        upstream = context.upstream_output
        if upstream is None:
            raise dg.DagsterInvariantViolationError("the Postgres IO manager loads asset outputs only")
        handler = self._handler_for(upstream)
        keys: list[str | None] = (
            list(context.asset_partition_keys) if context.has_asset_partitions else [None]
        )
        with self._database.transaction() as conn:
            values = handler.read(conn, keys)
        if len(keys) == 1:
            return values[keys[0]]
        return values


class PostgresIOManager(dg.ConfigurableIOManagerFactory):
    """The DAWA tables as an IO manager: each asset names its table, `defs.tables` says how it is written."""

    database: dg.ResourceDependency[DatabaseResource]

    def create_io_manager(self, context: dg.InitResourceContext) -> TableIOManager:
        return TableIOManager(self.database, TABLE_HANDLERS)


@dataclass(frozen=True)
class StorageArtifact:
    """Files to publish together under one storage folder (the folder comes from `storage.layout`)."""

    directory: str
    files: Mapping[str, bytes | Path]  # a Path streams a large local file
    content_types: Mapping[str, str] = field(default_factory=dict)

    def path_of(self, name: str) -> str:
        return layout.file_in(self.directory, name)


class StorageIOManager(dg.ConfigurableIOManager):
    """Publishes `StorageArtifact` outputs into object storage (local folder or Supabase bucket)."""

    storage: dg.ResourceDependency[StorageResource]

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        items = partition_items(context, obj)
        wrong = {k: a for k, a in items.items() if not isinstance(a, StorageArtifact)}
        if wrong:
            key, artifact = next(iter(wrong.items()))
            raise dg.DagsterInvariantViolationError(
                f"{context.asset_key.to_user_string()} (partition {key}): the storage IO manager takes "
                f"StorageArtifact outputs, got {type(artifact).__name__}"
            )
        written = [path for artifact in items.values() for path in self.storage.publish(artifact)]
        if written and len(items) == 1:  # a run over several partitions: each asset names its own paths
            context.add_output_metadata(
                {
                    "dawa/paths_written": dg.MetadataValue.json(written),
                    "dawa/location": dg.MetadataValue.text(self.storage.backend().describe(written[0])),
                }
            )

    def load_input(self, context: dg.InputContext) -> Any:
        raise dg.DagsterInvariantViolationError(
            f"{context.asset_key.to_user_string()}: storage artifacts are read by path from the storage "
            "resource, not loaded as inputs"
        )


class PickleIOManager(dg.ConfigurableIOManager):
    """Values handed between assets of one chain (e.g. a fingerprint to its chart), one pickle per partition
    under `base_dir`, so a run over many partitions stores and loads them all (Dagster's filesystem IO
    manager takes one partition per output). A partitioned input always loads as {partition: value}."""

    base_dir: str

    def _path(self, context: dg.OutputContext | dg.InputContext, key: str | None) -> Path:
        name = layout.sanitize_segment(key) if key is not None else "value"
        return Path(self.base_dir).joinpath(*context.asset_key.path, f"{name}.pickle")

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        for key, value in partition_items(context, obj).items():
            path = self._path(context, key)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            partial.write_bytes(pickle.dumps(value))
            partial.replace(path)

    def load_input(self, context: dg.InputContext) -> Any:
        keys: list[str | None] = (
            list(context.asset_partition_keys) if context.has_asset_partitions else [None]
        )
        values = {key: pickle.loads(self._path(context, key).read_bytes()) for key in keys}  # noqa: S301
        return values if context.has_asset_partitions else values[None]


def build_resources(
    database: DatabaseResource | None = None,
    storage: StorageResource | None = None,
    prompt_writer: PromptWriterResource | None = None,
    values_dir: Path | None = None,
) -> dict[str, Any]:
    """Every resource the assets, checks and sensors use; tests pass their own database, storage and
    folder for values handed between assets."""
    database = database or database_from_env()
    values_dir = values_dir or load_settings().dagster_home / "storage"
    storage = storage or storage_from_env()
    return {
        "database": database,
        "storage": storage,
        "postgres_io_manager": PostgresIOManager(database=database),
        "storage_io_manager": StorageIOManager(storage=storage),
        "io_manager": PickleIOManager(base_dir=str(values_dir)),
        "prompt_writer": prompt_writer or PromptWriterResource.from_env(),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build_resources())

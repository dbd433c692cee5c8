"""The generic IO managers on their own: routing by declaration and type, partitions, refusals."""

from pathlib import Path

import dagster as dg
import pytest

from dawa_pipeline.defs.resources import (
    DatabaseResource,
    PostgresIOManager,
    StorageArtifact,
    StorageIOManager,
    StorageResource,
)
from dawa_pipeline.storage.local import LocalStorage

parts = dg.StaticPartitionsDefinition(["a", "b"])


def _resources(database_url: str, root: Path) -> dict:
    database = DatabaseResource(url=database_url)
    storage = StorageResource(root=str(root))
    return {
        "postgres_io_manager": PostgresIOManager(database=database),
        "storage_io_manager": StorageIOManager(storage=storage),
    }


def test_storage_io_manager_publishes_each_partition(database_url, tmp_path):
    @dg.asset(partitions_def=parts, io_manager_key="storage_io_manager")
    def exported(context: dg.AssetExecutionContext) -> StorageArtifact:
        key = context.partition_key
        big = tmp_path / f"{key}.zip"
        big.write_bytes(b"PK" + key.encode())
        return StorageArtifact(
            directory=f"artists/x/datasets/{key}/",
            files={"note.txt": key.encode(), "data.zip": big},
        )

    for key in ("a", "b"):
        result = dg.materialize(
            [exported], partition_key=key, resources=_resources(database_url, tmp_path / "s")
        )
        (event,) = result.asset_materializations_for_node("exported")
        assert event.metadata["dawa/paths_written"].data == [
            f"artists/x/datasets/{key}/note.txt",
            f"artists/x/datasets/{key}/data.zip",
        ]
    storage = LocalStorage(tmp_path / "s")
    assert storage.get("artists/x/datasets/b/data.zip") == b"PKb"
    assert storage.get("artists/x/datasets/a/note.txt") == b"a"


def test_storage_io_manager_refuses_other_types_and_publishes_nothing(database_url, tmp_path):
    @dg.asset(io_manager_key="storage_io_manager")
    def not_an_artifact() -> dict:
        return {"x": 1}

    result = dg.materialize(
        [not_an_artifact], resources=_resources(database_url, tmp_path / "s"), raise_on_error=False
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "StorageArtifact" in failure.step_failure_data.error.message


@pytest.mark.parametrize(
    ("metadata", "message"),
    [({}, "needs metadata"), ({"dawa/table": "no_such_table"}, "no table handler for 'no_such_table'")],
)
def test_postgres_io_manager_needs_a_declared_known_table(database_url, tmp_path, metadata, message):
    @dg.asset(io_manager_key="postgres_io_manager", metadata=metadata)
    def rows() -> int:
        return 1

    result = dg.materialize([rows], resources=_resources(database_url, tmp_path / "s"), raise_on_error=False)
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert message in failure.step_failure_data.error.message


def test_postgres_io_manager_refuses_a_value_of_the_wrong_type(database_url, tmp_path):
    @dg.asset(io_manager_key="postgres_io_manager", metadata={"dawa/table": "artist_profiles"})
    def summary() -> str:
        return "not a profile"

    result = dg.materialize(
        [summary], resources=_resources(database_url, tmp_path / "s"), raise_on_error=False
    )
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert "takes ProfileWrite outputs, got str" in failure.step_failure_data.error.message

"""Asset checks on the ingest outputs: the seed shape, row/export agreement, the picture.

Each check is a thin wrapper over a function from partition keys to {partition: [problems]}, so the same
logic can be run on any set of partitions (and is tested on its own)."""

import json
from collections.abc import Callable, Sequence

import dagster as dg
from pydantic import ValidationError

from dawa_pipeline.als import AlsSummary
from dawa_pipeline.db.summaries import StoredSummary
from dawa_pipeline.defs.ingest.assets import als_summary, als_summary_export, stored_summaries
from dawa_pipeline.defs.partitions import set_partitions
from dawa_pipeline.defs.resources import DatabaseResource, StorageResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import ObjectNotFound
from dawa_pipeline.storage.layout import SUMMARY_JSON, TIMELINE_PNG

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

Problems = dict[str, list[str]]


def _row_problems(
    database: DatabaseResource, keys: Sequence[str], problems_of: Callable[[StoredSummary], list[str]]
) -> Problems:
    """`problems_of(row)` for the stored row of each partition; partitions without a row are a problem."""
    found: Problems = {}
    for key, row in stored_summaries(database, keys).items():
        if problems := (problems_of(row) if row is not None else ["no row stored"]):
            found[key] = problems
    return found


def summary_problems(database: DatabaseResource, keys: Sequence[str]) -> Problems:
    """Where each partition's stored summary does not validate against the seed model (with field paths)."""

    def problems_of(row: StoredSummary) -> list[str]:
        try:
            AlsSummary.model_validate(row.summary)
        except ValidationError as exc:
            return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return []

    return _row_problems(database, keys, problems_of)


def _exported_file_problems(
    database: DatabaseResource,
    storage: StorageResource,
    keys: Sequence[str],
    name: str,
    problems_in: Callable[[bytes, StoredSummary], list[str]],
) -> Problems:
    """One exported file of each partition must exist under the row's export_path and pass `problems_in`."""
    backend = storage.backend()

    def problems_of(row: StoredSummary) -> list[str]:
        if not row.export_path:
            return ["the row has no export_path"]
        path = layout.file_in(row.export_path, name)
        try:
            return problems_in(backend.get(path), row)
        except ObjectNotFound:
            return [f"{path} is missing"]

    return _row_problems(database, keys, problems_of)


def summary_json_problems(
    database: DatabaseResource, storage: StorageResource, keys: Sequence[str]
) -> Problems:
    """Where summary.json (minus its provenance) differs from the row's summary, or is missing."""

    def problems_in(content: bytes, row: StoredSummary) -> list[str]:
        document = json.loads(content)
        document.pop("provenance", None)
        return [] if document == row.summary else [f"{SUMMARY_JSON} differs from the row's summary"]

    return _exported_file_problems(database, storage, keys, SUMMARY_JSON, problems_in)


def timeline_problems(database: DatabaseResource, storage: StorageResource, keys: Sequence[str]) -> Problems:
    """Where timeline_visualizer.png is missing or not a PNG."""

    def problems_in(content: bytes, row: StoredSummary) -> list[str]:
        return [] if content.startswith(PNG_MAGIC) else [f"{TIMELINE_PNG} is not a PNG"]

    return _exported_file_problems(database, storage, keys, TIMELINE_PNG, problems_in)


def _result(keys: Sequence[str], problems: Problems) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={"partitions_checked": len(keys), "problems": dg.MetadataValue.json(problems)},
    )


@dg.asset_check(
    asset=als_summary,
    partitions_def=set_partitions,
    blocking=True,
    description="The stored summary validates against the seed's AlsSummary model (plus DAWA's extras).",
)
def summary_fits_seed(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource
) -> dg.AssetCheckResult:
    return _result(context.partition_keys, summary_problems(database, context.partition_keys))


@dg.asset_check(
    asset=als_summary_export,
    partitions_def=set_partitions,
    description="summary.json in storage equals the als_summaries row's summary (minus provenance).",
)
def export_matches_row(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    return _result(context.partition_keys, summary_json_problems(database, storage, context.partition_keys))


@dg.asset_check(
    asset=als_summary_export,
    partitions_def=set_partitions,
    description="timeline_visualizer.png exists beside summary.json and is a PNG.",
)
def timeline_picture_exists(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    return _result(context.partition_keys, timeline_problems(database, storage, context.partition_keys))

"""Asset checks on the ingest outputs: the seed shape, row/export agreement, the picture."""

import json
from collections.abc import Callable

import dagster as dg
from pydantic import ValidationError

from dawa_pipeline.als import AlsSummary
from dawa_pipeline.assets.ingest import als_summary, als_summary_export, export_file, stored_summaries
from dawa_pipeline.db.summaries import StoredSummary
from dawa_pipeline.partitions import set_partitions
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.storage.backend import ObjectNotFound
from dawa_pipeline.storage.layout import SUMMARY_JSON, TIMELINE_PNG

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _per_partition(
    context: dg.AssetCheckExecutionContext,
    database: DatabaseResource,
    problems_of: Callable[[StoredSummary], list[str]],
) -> dg.AssetCheckResult:
    """Run `problems_of(row)` on the stored row of each partition of the run; pass only when none has one."""
    rows = stored_summaries(database, context.partition_keys)
    problems = {
        key: found
        for key, row in rows.items()
        if (found := problems_of(row) if row is not None else ["no row stored"])
    }
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "partitions_checked": len(context.partition_keys),
            "problems": dg.MetadataValue.json(problems),
        },
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
    def problems_of(row: StoredSummary) -> list[str]:
        try:
            AlsSummary.model_validate(row.summary)
        except ValidationError as exc:
            return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return []

    return _per_partition(context, database, problems_of)


@dg.asset_check(
    asset=als_summary_export,
    partitions_def=set_partitions,
    description="summary.json in storage equals the als_summaries row's summary (minus provenance).",
)
def export_matches_row(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    backend = storage.backend()

    def problems_of(row: StoredSummary) -> list[str]:
        if not row.export_path:
            return ["the row has no export_path"]
        path = export_file(row.export_path, SUMMARY_JSON)
        try:
            document = json.loads(backend.get(path))
        except ObjectNotFound:
            return [f"{path} is missing"]
        document.pop("provenance", None)
        return [] if document == row.summary else ["summary.json differs from the row's summary"]

    return _per_partition(context, database, problems_of)


@dg.asset_check(
    asset=als_summary_export,
    partitions_def=set_partitions,
    description="timeline_visualizer.png exists beside summary.json and is a PNG.",
)
def timeline_picture_exists(
    context: dg.AssetCheckExecutionContext, database: DatabaseResource, storage: StorageResource
) -> dg.AssetCheckResult:
    backend = storage.backend()

    def problems_of(row: StoredSummary) -> list[str]:
        if not row.export_path:
            return ["the row has no export_path"]
        path = export_file(row.export_path, TIMELINE_PNG)
        try:
            data = backend.get(path)
        except ObjectNotFound:
            return [f"{path} is missing"]
        return [] if data.startswith(PNG_MAGIC) else [f"{TIMELINE_PNG} is not a PNG"]

    return _per_partition(context, database, problems_of)


ingest_checks = [summary_fits_seed, export_matches_row, timeline_picture_exists]

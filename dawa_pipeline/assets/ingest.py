"""Ingest: uploaded sets → `als_summaries` rows → `summary.json` + timeline picture in storage."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg

from dawa_pipeline.als import PARSER_VERSION, AlsParseError, AlsSummary, parse_als, parse_id
from dawa_pipeline.db import artists, summaries
from dawa_pipeline.db.summaries import StoredSummary
from dawa_pipeline.io_managers import TABLE_METADATA_KEY, StorageArtifact
from dawa_pipeline.partitions import set_partitions, upload_ref_for
from dawa_pipeline.provenance import provenance_stamp
from dawa_pipeline.resources import DatabaseResource, StorageResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageError
from dawa_pipeline.storage.layout import SUMMARY_JSON, TIMELINE_PNG
from dawa_pipeline.table_handlers import AlsSummaryTable, summary_export_dir

als_upload = dg.AssetSpec(
    "als_upload",
    partitions_def=set_partitions,
    group_name="ingest",
    kinds={"storage"},
    description=(
        "An Ableton Live Set uploaded to artists/{slug}/uploads/{project}/{file}.als (by `dawa upload` or "
        "any storage client). Observed by the als_upload_sensor; its data version is the file's sha256."
    ),
)


@dataclass(frozen=True)
class ParsedUpload:
    summary: AlsSummary
    parse_id: str
    artist_slug: str
    source_path: str


def add_partition_metadata(context: dg.AssetExecutionContext, metadata: Mapping[str, dict[str, Any]]) -> None:
    """Attach each partition's metadata to that partition's materialization in this run.

    `context.add_asset_metadata(..., partition_key=key)` re-reads the run's dynamic partitions from the
    instance on every call to validate the key (three queries, about 16 ms a call on Postgres storage), so a
    bulk run of N sets paid that N times. This validates the keys once and writes into the step's metadata
    accumulator as that method does (dagster is pinned to 1.13.27); it falls back to the public call if the
    accumulator ever moves.
    """
    unknown = set(metadata) - set(context.partition_keys)
    if unknown:
        raise dg.DagsterInvariantViolationError(f"not partitions of this run: {sorted(unknown)}")
    step = context.get_step_execution_context()
    accumulator = getattr(step, "_metadata_accumulator", None)
    for key, entries in metadata.items():
        if accumulator is None or not hasattr(accumulator, "with_additional_asset_metadata"):
            context.add_asset_metadata(entries, partition_key=key)
            continue
        accumulator = accumulator.with_additional_asset_metadata(
            asset_key=context.asset_key, partition_key=key, metadata=entries
        )
    if accumulator is not None:
        step._metadata_accumulator = accumulator


def _parse_upload(key: str, storage: StorageResource, artist_names: Mapping[str, str]) -> ParsedUpload:
    """Download one upload and parse it; raises AlsParseError or StorageError naming the file."""
    ref = upload_ref_for(key)
    path = layout.upload_path(ref.artist_slug, ref.project, ref.file_name)
    if ref.artist_slug not in artist_names:
        raise StorageError(
            path, f"no artist with slug {ref.artist_slug!r} (create it with `dawa upload --artist`)"
        )
    data = storage.backend().get(path)
    summary = parse_als(
        data, file_name=ref.file_name, artist_name=artist_names[ref.artist_slug], project_name=ref.project
    )
    summary = summary.model_copy(update={"project_folder": ref.project})
    return ParsedUpload(summary, parse_id(summary.artist_name, summary.source.sha256), ref.artist_slug, path)


def _summary_provenance(context: dg.AssetExecutionContext, key: str, parsed: ParsedUpload) -> dict[str, Any]:
    s = parsed.summary
    return provenance_stamp(
        run_id=context.run.run_id,
        asset="als_summary",
        partition=key,
        inputs={"path": parsed.source_path, "sha256": s.source.sha256, "size_bytes": s.source.size_bytes},
        rows=[f"als_summaries(artist={parsed.artist_slug}, parse_id={parsed.parse_id})"],
        extra={"parse_id": parsed.parse_id},
    )


def _summary_metadata(context: dg.AssetExecutionContext, key: str, parsed: ParsedUpload) -> dict[str, Any]:
    """What a data engineer sees on the materialization: a readable summary plus the provenance stamp."""
    s = parsed.summary
    export_dir = summary_export_dir(parsed.artist_slug, s, parsed.parse_id)
    top = sorted(s.plugin_usage.items(), key=lambda kv: (-kv[1], kv[0]))[:8]
    plugins_md = "| plugin | instances |\n|---|---|\n" + "\n".join(f"| {n} | {c} |" for n, c in top)
    o = s.overview
    return {
        "tempo": dg.MetadataValue.float(round(o.tempo, 2)),
        "key": dg.MetadataValue.text(s.key.name or "unknown"),
        "time_signature": dg.MetadataValue.text(o.time_signature),
        "tracks": dg.MetadataValue.md(
            f"{o.total_tracks} tracks: {o.midi_tracks} MIDI, {o.audio_tracks} audio, "
            f"{o.group_tracks} group, {o.return_tracks} return"
        ),
        "top_plugins": dg.MetadataValue.md(plugins_md if top else "no plugins"),
        "genre_indicators": dg.MetadataValue.json(s.genre_indicators),
        "parse_id": dg.MetadataValue.text(parsed.parse_id),
        "timeline": dg.MetadataValue.path(layout.file_in(export_dir, TIMELINE_PNG)),
        "dawa/provenance": dg.MetadataValue.json(_summary_provenance(context, key, parsed)),
    }


@dg.asset(
    partitions_def=set_partitions,
    deps=[als_upload],
    io_manager_key="postgres_io_manager",
    metadata={TABLE_METADATA_KEY: "als_summaries"},
    group_name="ingest",
    kinds={"python", "postgres"},
    code_version=PARSER_VERSION,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="parser",
    description=(
        "The parsed summary of one set (seed AlsSummary plus DAWA's extras), written to als_summaries by the "
        "Postgres IO manager. One row per artist and parse: re-materialising the same bytes changes nothing."
    ),
)
def als_summary(context: dg.AssetExecutionContext, storage: StorageResource, database: DatabaseResource):
    keys = list(context.partition_keys)
    with database.transaction() as conn:
        names = {a.slug: a.name for a in artists.list_artists(conn)}
    parsed: dict[str, ParsedUpload] = {}
    failures: dict[str, str] = {}
    for key in keys:
        try:
            parsed[key] = _parse_upload(key, storage, names)
        except (AlsParseError, StorageError) as exc:
            failures[key] = str(exc)
            context.log.error(f"{key}: {exc}")

    if failures:
        yield from _publish_good_partitions(context, database, parsed)
        raise dg.Failure(
            description="; ".join(failures.values()),
            metadata={"failed_partitions": dg.MetadataValue.json(failures), "written": len(parsed)},
        )
    # Metadata per partition: a bulk run's events each carry their own set's summary, not all N of them.
    add_partition_metadata(context, {key: _summary_metadata(context, key, p) for key, p in parsed.items()})
    if len(keys) == 1:
        (key,) = keys
        yield dg.Output(parsed[key].summary, data_version=dg.DataVersion(parsed[key].parse_id))
    else:
        yield dg.Output({k: p.summary for k, p in parsed.items()})


def _publish_good_partitions(
    context: dg.AssetExecutionContext, database: DatabaseResource, parsed: Mapping[str, ParsedUpload]
) -> Iterator[dg.AssetMaterialization]:
    """In a run with bad uploads, still store the good sets (same table handler, one transaction) and record
    their materializations, so one hostile file never costs the rest of a backfill."""
    if not parsed:
        return
    with database.transaction() as conn:
        AlsSummaryTable().write(conn, {k: p.summary for k, p in parsed.items()})
    for key, p in parsed.items():
        yield dg.AssetMaterialization(
            asset_key=context.asset_key, partition=key, metadata=_summary_metadata(context, key, p)
        )


def _export_artifact(context: dg.AssetExecutionContext, key: str, row: StoredSummary) -> StorageArtifact:
    summary = AlsSummary.model_validate(row.summary)
    from dawa_pipeline.als.timeline import render_timeline

    png = render_timeline(summary)
    directory = row.export_path or summary_export_dir(upload_ref_for(key).artist_slug, summary, row.parse_id)
    stamp = provenance_stamp(
        run_id=context.run.run_id,
        asset="als_summary_export",
        partition=key,
        inputs={
            "path": row.source_path,
            "sha256": row.source_sha256,
            "size_bytes": summary.source.size_bytes,
            "als_summaries.id": str(row.id),
        },
        rows=[f"als_summaries.id={row.id}"],
        paths=[layout.file_in(directory, SUMMARY_JSON), layout.file_in(directory, TIMELINE_PNG)],
        extra={"parse_id": row.parse_id},
    )
    document = {**row.summary, "provenance": stamp}
    body = json.dumps(document, indent=2, ensure_ascii=False).encode()
    return StorageArtifact(directory=directory, files={TIMELINE_PNG: png, SUMMARY_JSON: body})


@dg.asset(
    partitions_def=set_partitions,
    io_manager_key="storage_io_manager",
    group_name="ingest",
    kinds={"python", "storage"},
    code_version=PARSER_VERSION,
    backfill_policy=dg.BackfillPolicy.single_run(),
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "summary.json (the row's summary plus provenance) and timeline_visualizer.png at the seed's path "
        "artists/{slug}/daw-data/{project}/{als}/{parse-id}/, written by the storage IO manager."
    ),
)
def als_summary_export(context: dg.AssetExecutionContext, als_summary):
    keys = list(context.partition_keys)
    rows: dict[str, StoredSummary] = als_summary if len(keys) > 1 else {keys[0]: als_summary}
    artifacts = {key: _export_artifact(context, key, rows[key]) for key in keys}
    add_partition_metadata(
        context,
        {
            key: {
                "summary_json": dg.MetadataValue.path(artifact.path_of(SUMMARY_JSON)),
                "timeline": dg.MetadataValue.path(artifact.path_of(TIMELINE_PNG)),
                "parse_id": rows[key].parse_id,
            }
            for key, artifact in artifacts.items()
        },
    )
    if len(keys) == 1:
        (artifact,) = artifacts.values()
        return dg.Output(artifact, data_version=dg.DataVersion(rows[keys[0]].parse_id))
    return dg.Output(artifacts)


def stored_summaries(database: DatabaseResource, keys: Sequence[str]) -> dict[str, StoredSummary | None]:
    """The newest stored parse of each set partition (None where there is none), in one query."""
    paths = {}
    for key in keys:
        ref = upload_ref_for(key)
        paths[key] = layout.upload_path(ref.artist_slug, ref.project, ref.file_name)
    with database.transaction() as conn:
        found = summaries.latest_for_source(conn, list(paths.values()))
    return {key: found.get(path) for key, path in paths.items()}

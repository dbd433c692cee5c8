"""Ingest: uploaded sets → `als_summaries` rows → `summary.json` + timeline picture in storage.

Both assets work on batches of sets (a sensor tick's uploads, a backfill range) in which one bad set must fail
alone. A run's single IO-managed output would mark every set of the batch materialized, so these two write
through the database and storage resources and report each set's materialization themselves."""

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import psycopg

from dawa_pipeline.als import PARSER_VERSION, AlsParseError, AlsSummary, parse_id
from dawa_pipeline.als.isolated import IsolatedParser, ParseJob
from dawa_pipeline.als.thumbnails import markdown_image, png_thumbnail
from dawa_pipeline.db import artists, summaries, training_items
from dawa_pipeline.db.summaries import StoredSummary
from dawa_pipeline.defs.batches import report_batch
from dawa_pipeline.defs.partitions import set_partitions, upload_ref_for
from dawa_pipeline.defs.provenance import provenance_stamp
from dawa_pipeline.defs.resources import DatabaseResource, StorageArtifact, StorageResource
from dawa_pipeline.storage import layout
from dawa_pipeline.storage.backend import StorageError
from dawa_pipeline.storage.layout import SUMMARY_JSON, TIMELINE_PNG

PARSE_WORKERS = 2  # this machine's cores; each worker holds one set at a time

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


def _parse_jobs(
    keys: Sequence[str], storage: StorageResource, artist_names: Mapping[str, str], failures: dict[str, str]
) -> Iterator[ParseJob]:
    """Each upload of the batch as a parse job, downloaded as the workers ask for it; an upload that cannot
    be read (or whose artist is gone) goes into `failures` instead."""
    backend = storage.backend()
    for key in keys:
        ref = upload_ref_for(key)
        path = layout.upload_path(ref.artist_slug, ref.project, ref.file_name)
        try:
            if ref.artist_slug not in artist_names:
                raise StorageError(
                    path, f"no artist with slug {ref.artist_slug!r} (create it with `dawa upload --artist`)"
                )
            data = backend.get(path)
        except StorageError as exc:
            failures[key] = str(exc)
            continue
        yield ParseJob(key, data, ref.file_name, artist_names[ref.artist_slug], ref.project)


def _parsed_upload(key: str, summary: AlsSummary) -> ParsedUpload:
    ref = upload_ref_for(key)
    summary = summary.model_copy(update={"project_folder": ref.project})
    return ParsedUpload(
        summary,
        parse_id(summary.artist_name, summary.source.sha256),
        ref.artist_slug,
        layout.upload_path(ref.artist_slug, ref.project, ref.file_name),
    )


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
    export_dir = export_dir_of(parsed.artist_slug, s, parsed.parse_id)
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


def export_dir_of(artist_slug: str, summary: AlsSummary, summary_parse_id: str) -> str:
    """Where a summary's `summary.json` and timeline go: the seed's daw-data folder."""
    return layout.daw_data_dir(artist_slug, summary.project_name, summary.als_stem, summary_parse_id)


def _store_summaries(conn: psycopg.Connection, parsed: Mapping[str, ParsedUpload]) -> list[StoredSummary]:
    """One `als_summaries` row per set (idempotent per artist and parse) and each set's training item
    (needs_audio), in the caller's transaction."""
    by_slug = {artist.slug: artist for artist in artists.list_artists(conn)}
    rows: list[summaries.SummaryRow] = []
    for p in parsed.values():
        artist = by_slug.get(p.artist_slug)
        if artist is None:  # deleted since the run started
            raise dg.Failure(f"{p.source_path}: no artist with slug {p.artist_slug!r}")
        rows.append(
            summaries.SummaryRow.of(
                artist.id,
                p.summary,
                export_path=export_dir_of(p.artist_slug, p.summary, p.parse_id),
                source_path=p.source_path,
            )
        )
    stored = summaries.upsert_summaries(conn, rows)
    training_items.ensure_items_for_summaries(conn, stored)
    return stored


@dg.asset(
    partitions_def=set_partitions,
    deps=[als_upload],
    group_name="ingest",
    kinds={"python", "postgres"},
    code_version=PARSER_VERSION,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="parser",
    metadata={"dagster/table_name": "public.als_summaries"},
    description=(
        "The parsed summary of each set (seed AlsSummary plus DAWA's extras) in als_summaries, with the "
        "set's training item. One row per artist and parse: re-materialising the same bytes changes nothing. "
        "A run parses a whole batch of sets; a bad set fails alone and the others are stored."
    ),
)
def als_summary(
    context: dg.AssetExecutionContext, storage: StorageResource, database: DatabaseResource
) -> Iterator[dg.AssetMaterialization | dg.MaterializeResult]:
    with database.transaction() as conn:
        names = {a.slug: a.name for a in artists.list_artists(conn)}
    parsed: dict[str, ParsedUpload] = {}
    failures: dict[str, str] = {}
    # Each set parses in a bounded worker process: whatever one set does (a memory bomb, a crash), it fails
    # alone and the rest of the batch is stored.
    with IsolatedParser(workers=PARSE_WORKERS) as parser:
        results = parser.parse_many(_parse_jobs(context.partition_keys, storage, names, failures))
    for key, result in results.items():
        if isinstance(result, AlsParseError):
            failures[key] = str(result)
        else:
            parsed[key] = _parsed_upload(key, result)
    for key, reason in failures.items():
        context.log.error(f"{key}: {reason}")
    if parsed:
        with database.transaction() as conn:
            _store_summaries(conn, parsed)
    yield from report_batch(
        context,
        {key: _summary_metadata(context, key, p) for key, p in parsed.items()},
        failures,
        {key: p.parse_id for key, p in parsed.items()},
    )


def _export_artifact(context: dg.AssetExecutionContext, key: str, row: StoredSummary) -> StorageArtifact:
    summary = AlsSummary.model_validate(row.summary)
    from dawa_pipeline.als.timeline import render_timeline

    png = render_timeline(summary)
    directory = row.export_path or export_dir_of(upload_ref_for(key).artist_slug, summary, row.parse_id)
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
    deps=[als_summary],
    group_name="ingest",
    kinds={"python", "storage"},
    code_version=PARSER_VERSION,
    backfill_policy=dg.BackfillPolicy.single_run(),
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "summary.json (the row's summary plus provenance) and timeline_visualizer.png at the seed's path "
        "artists/{slug}/daw-data/{project}/{als}/{parse-id}/. A set without a stored summary fails alone."
    ),
)
def als_summary_export(
    context: dg.AssetExecutionContext, database: DatabaseResource, storage: StorageResource
) -> Iterator[dg.AssetMaterialization | dg.MaterializeResult]:
    metadata: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    versions: dict[str, str] = {}
    for key, row in stored_summaries(database, context.partition_keys).items():
        if row is None:
            failures[key] = "no summary stored yet; materialize als_summary"
            continue
        artifact = _export_artifact(context, key, row)
        try:
            storage.publish(artifact)
        except StorageError as exc:
            failures[key] = str(exc)
            continue
        versions[key] = row.parse_id
        thumbnail = png_thumbnail(artifact.files[TIMELINE_PNG])  # type: ignore[arg-type]
        metadata[key] = {
            "picture": dg.MetadataValue.md(markdown_image(thumbnail, f"timeline of {row.als_filename}")),
            "summary_json": dg.MetadataValue.path(artifact.path_of(SUMMARY_JSON)),
            "timeline": dg.MetadataValue.path(artifact.path_of(TIMELINE_PNG)),
            "parse_id": row.parse_id,
        }
    yield from report_batch(context, metadata, failures, versions)


def stored_summaries(database: DatabaseResource, keys: Sequence[str]) -> dict[str, StoredSummary | None]:
    """The newest stored parse of each set partition (None where there is none), in one query."""
    paths = {}
    for key in keys:
        ref = upload_ref_for(key)
        paths[key] = layout.upload_path(ref.artist_slug, ref.project, ref.file_name)
    with database.transaction() as conn:
        found = summaries.latest_for_source(conn, list(paths.values()))
    return {key: found.get(path) for key, path in paths.items()}

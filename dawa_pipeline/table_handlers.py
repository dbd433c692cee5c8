"""Table handlers for the Postgres IO manager: how each output type becomes rows of its table and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import dagster as dg
import psycopg

from dawa_pipeline.als import AlsSummary, parse_id
from dawa_pipeline.db import artists, profiles, summaries, training_items
from dawa_pipeline.io_managers import register_table_handler
from dawa_pipeline.partitions import upload_ref_for
from dawa_pipeline.storage import layout


def summary_export_dir(artist_slug: str, summary: AlsSummary, summary_parse_id: str) -> str:
    """Where a summary's `summary.json` and timeline go: the seed's daw-data folder."""
    return layout.daw_data_dir(artist_slug, summary.project_name, summary.als_stem, summary_parse_id)


class AlsSummaryTable:
    """`AlsSummary` outputs of set partitions → `als_summaries` rows (one per artist and parse)."""

    table: ClassVar[str] = "als_summaries"
    output_type: ClassVar[type] = AlsSummary

    def write(self, conn: psycopg.Connection, items: Mapping[str | None, Any]) -> dict[str, Any]:
        rows: list[summaries.SummaryRow] = []
        for key, summary in items.items():
            ref = upload_ref_for(_required(key))
            artist = artists.get_artist(conn, slug=ref.artist_slug)
            if artist is None:
                raise dg.Failure(
                    f"{key}: no artist with slug {ref.artist_slug!r}; upload with `dawa upload --artist`"
                )
            pid = parse_id(summary.artist_name, summary.source.sha256)
            rows.append(
                summaries.SummaryRow(
                    artist_id=artist.id,
                    parse_id=pid,
                    project_name=summary.project_name,
                    als_filename=summary.als_filename,
                    summary=summary.model_dump(mode="json"),
                    export_path=summary_export_dir(ref.artist_slug, summary, pid),
                    source_path=layout.upload_path(ref.artist_slug, ref.project, ref.file_name),
                    source_sha256=summary.source.sha256,
                )
            )
        stored = summaries.upsert_summaries(conn, rows)
        # Every set gets its training item (needs_audio) in the same transaction as its summary.
        training_items.ensure_items_for_summaries(conn, stored)
        return {
            "dagster/row_count": len(stored),
            "dawa/row_ids": dg.MetadataValue.json([str(s.id) for s in stored]),
        }

    def read(self, conn: psycopg.Connection, partition_keys: list[str | None]) -> dict[str | None, Any]:
        paths = {}
        for key in partition_keys:
            ref = upload_ref_for(_required(key))
            paths[key] = layout.upload_path(ref.artist_slug, ref.project, ref.file_name)
        found = summaries.latest_for_source(conn, list(paths.values()))
        missing = [key for key, path in paths.items() if path not in found]
        if missing:
            raise dg.Failure(
                f"no summary stored yet for {', '.join(map(str, missing))}; materialize als_summary"
            )
        return {key: found[path] for key, path in paths.items()}


def _required(key: str | None) -> str:
    if key is None:
        raise dg.DagsterInvariantViolationError("als_summaries outputs must be partitioned by set")
    return key


register_table_handler(AlsSummaryTable())


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


register_table_handler(ArtistProfileTable())

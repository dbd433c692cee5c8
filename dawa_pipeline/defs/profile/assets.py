"""Artist profile: an artist's set summaries → DAW fingerprint → the fingerprint chart in storage and the
refreshed `artist_profiles.master_schema`, plus a check that the stored profile fits the seed.

`daw_fingerprint` hands its result to the next assets through the default IO manager (a pickle in the
instance's storage): the fingerprint has no table of its own in the seed, and it carries the exact summaries
it was computed from, so the chart and the refresh describe the same sets even if new ones arrive meanwhile.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import dagster as dg
import psycopg
from pydantic import ValidationError

from dawa_pipeline.als import AlsSummary
from dawa_pipeline.als.thumbnails import markdown_image, png_thumbnail
from dawa_pipeline.db import artists, profiles, summaries
from dawa_pipeline.db.artists import Artist
from dawa_pipeline.db.profiles import ProfileWrite
from dawa_pipeline.db.summaries import StoredSummary
from dawa_pipeline.defs.batches import batch_output
from dawa_pipeline.defs.ingest.assets import als_summary
from dawa_pipeline.defs.partitions import artist_partitions
from dawa_pipeline.defs.provenance import provenance_stamp
from dawa_pipeline.defs.resources import TABLE_METADATA_KEY, DatabaseResource, StorageArtifact
from dawa_pipeline.profile import (
    Fingerprint,
    MasterSchemaError,
    SummaryRef,
    compute_fingerprint,
    refresh_master_schema,
    render_fingerprint_chart,
    skeleton_master_schema,
)
from dawa_pipeline.profile.evidence import is_summed_up
from dawa_pipeline.profile.fingerprint import describe_missing_evidence
from dawa_pipeline.storage import layout

# Bump when the fingerprint, chart or refresh rules change, so Dagster marks every artist's profile stale.
PROFILE_CODE_VERSION = "2"
TOP_PLUGINS_SHOWN = 8


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ArtistFingerprint:
    """The fingerprint of one artist and exactly the summaries (and their rows) it was computed from."""

    artist: Artist
    fingerprint: Fingerprint
    summaries: tuple[AlsSummary, ...]
    refs: tuple[SummaryRef, ...]

    @property
    def data_version(self) -> str:
        """Same sets (by parse) and same fingerprint give the same version."""
        sources = sorted(ref.source_label for ref in self.refs)
        payload = json.dumps({"fingerprint": self.fingerprint.model_dump(mode="json"), "sources": sources})
        return _sha256(payload.encode())


def _artist(conn: psycopg.Connection, slug: str) -> Artist:
    artist = artists.get_artist(conn, slug=slug)
    if artist is None:
        raise dg.Failure(f"no artist with slug {slug!r}; artist partitions are added by the upload sensor")
    return artist


def _summary_of(row: StoredSummary) -> AlsSummary:
    try:
        return AlsSummary.model_validate(row.summary)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(map(str, first["loc"]))
        raise dg.Failure(
            f"als_summaries.id={row.id} ({row.project_name}/{row.als_filename}) does not fit AlsSummary "
            f"({where}: {first['msg']}); re-materialize als_summary for that set"
        ) from None


def _ref_of(row: StoredSummary, summary: AlsSummary) -> SummaryRef:
    return SummaryRef(
        summary_id=str(row.id),
        parse_id=row.parse_id,
        project_name=row.project_name,
        als_stem=summary.als_stem,
        als_filename=row.als_filename,
    )


def _bpm_range(fingerprint: Fingerprint) -> str:
    if fingerprint.is_empty:
        return "no sets"
    bpm = fingerprint.aggregates.core_bpm_range
    if not bpm.cluster_centers:
        return f"{bpm.min:g}-{bpm.max:g} BPM (no dominant tempo)"
    centres = ", ".join(f"{c:g}" for c in bpm.cluster_centers)
    return f"{bpm.min:g}-{bpm.max:g} BPM (centres {centres})"


def _top_plugins(fingerprint: Fingerprint) -> str:
    evidence = fingerprint.evidence.get("frequent_plugins_tools", [])
    shown = [e for e in evidence if not is_summed_up(e)][:TOP_PLUGINS_SHOWN]
    if not shown:
        return "no plugins"
    rows = "\n".join(f"| {e.subject} | {e.count} of {e.of} |" for e in shown)
    return "| plugin | sets using it |\n|---|---|\n" + rows


def _readable_metadata(result: ArtistFingerprint) -> dict[str, Any]:
    """What a person scanning the materialization wants: how many sets, which tempos, which tools."""
    fingerprint = result.fingerprint
    keys = fingerprint.aggregates.keys_and_modes.common_keys
    return {
        "sets": dg.MetadataValue.int(fingerprint.set_count),
        "bpm_range": dg.MetadataValue.text(_bpm_range(fingerprint)),
        "common_keys": dg.MetadataValue.text(", ".join(keys) or "none"),
        "top_plugins": dg.MetadataValue.md(_top_plugins(fingerprint)),
        "missing_evidence": dg.MetadataValue.md(describe_missing_evidence(fingerprint)),
        "chart": dg.MetadataValue.path(layout.fingerprint_chart_path(result.artist.slug)),
    }


def _provenance(
    context: dg.AssetExecutionContext,
    result: ArtistFingerprint,
    *,
    rows: Sequence[str] = (),
    paths: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
) -> dg.MetadataValue:
    stamp = provenance_stamp(
        run_id=context.run.run_id,
        asset=context.asset_key.to_user_string(),
        partition=result.artist.slug,
        inputs={
            "artist_id": str(result.artist.id),
            "als_summaries.id": [ref.summary_id for ref in result.refs],
            "daw_fingerprint": result.data_version,
        },
        rows=rows,
        paths=paths,
        extra=extra,
    )
    return dg.MetadataValue.json(stamp)


@dg.asset(
    partitions_def=artist_partitions,
    # Lineage only: the asset reads the artist's latest summaries itself. An explicit mapping, because the
    # default between two dynamic partitionings would pair set key "x" with artist key "x".
    deps=[dg.AssetDep(als_summary, partition_mapping=dg.AllPartitionMapping())],
    group_name="profile",
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "pandas"},
    code_version=PROFILE_CODE_VERSION,
    description=(
        "The artist's DAW fingerprint (the seed's daw_fingerprint_aggregates plus the evidence behind each "
        "statement), computed from the latest summary of each of the artist's sets in als_summaries."
    ),
)
def daw_fingerprint(context: dg.AssetExecutionContext, database: DatabaseResource) -> dg.Output:
    results: dict[str, ArtistFingerprint] = {}
    with database.transaction() as conn:
        for slug in context.partition_keys:
            artist = _artist(conn, slug)
            rows = summaries.latest_for_artist(conn, artist.id)
            parsed = tuple(_summary_of(row) for row in rows)
            results[slug] = ArtistFingerprint(
                artist=artist,
                fingerprint=compute_fingerprint(parsed),
                summaries=parsed,
                refs=tuple(_ref_of(row, summary) for row, summary in zip(rows, parsed, strict=True)),
            )
    return batch_output(
        context,
        results,
        {
            slug: {**_readable_metadata(r), "dawa/provenance": _provenance(context, r)}
            for slug, r in results.items()
        },
        {slug: r.data_version for slug, r in results.items()},
    )


@dg.asset(
    partitions_def=artist_partitions,
    io_manager_key="storage_io_manager",
    group_name="profile",
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "matplotlib", "storage"},
    code_version=PROFILE_CODE_VERSION,
    description=(
        "The fingerprint at a glance (tempo dot plot with cluster centres, top plugins, keys) as "
        "artists/{slug}/profile/fingerprint.png, written by the storage IO manager."
    ),
)
def fingerprint_chart(
    context: dg.AssetExecutionContext, daw_fingerprint: dict[str, ArtistFingerprint]
) -> dg.Output:
    artifacts: dict[str, StorageArtifact] = {}
    metadata: dict[str, dict[str, Any]] = {}
    versions: dict[str, str] = {}
    for slug, result in daw_fingerprint.items():
        path = layout.fingerprint_chart_path(result.artist.slug)
        directory, name = path.rsplit("/", 1)
        png = render_fingerprint_chart(result.artist.name, result.summaries, result.fingerprint)
        artifacts[slug] = StorageArtifact(directory=directory, files={name: png})
        metadata[slug] = {
            "picture": dg.MetadataValue.md(
                markdown_image(png_thumbnail(png), f"fingerprint of {result.artist.name}")
            ),
            **_readable_metadata(result),
            "dawa/provenance": _provenance(context, result, paths=[path]),
        }
        versions[slug] = _sha256(png)
    return batch_output(context, artifacts, metadata, versions)


def plan_refresh(
    stored: profiles.StoredProfile | None, result: ArtistFingerprint, now: datetime
) -> ProfileWrite:
    """The profile write a refresh needs: the stored document (or the seed skeleton for a new artist) with
    the computed parts replaced. Raises MasterSchemaError when they cannot be placed without overwriting
    what people wrote (e.g. `provenance` is not an object)."""
    artist = result.artist
    current = (stored.master_schema if stored else None) or skeleton_master_schema(
        artist.name, str(artist.id)
    )
    refreshed = refresh_master_schema(
        current,
        artist_name=artist.name,
        artist_id=str(artist.id),
        fingerprint=result.fingerprint,
        summary_refs=result.refs,
        now=now,
    )
    return ProfileWrite(
        artist_id=artist.id,
        artist_name=artist.name,
        master_schema=refreshed.master_schema,
        expected=stored.master_schema if stored else None,
        changed=stored is None or stored.master_schema != refreshed.master_schema,
    )


def master_schema_version(master_schema: dict[str, Any]) -> str:
    """The data version of a stored document: its canonical JSON's hash (key order does not count, as in
    jsonb)."""
    return _sha256(json.dumps(master_schema, sort_keys=True, ensure_ascii=False).encode())


@dg.asset(
    partitions_def=artist_partitions,
    io_manager_key="postgres_io_manager",
    metadata={TABLE_METADATA_KEY: "artist_profiles"},
    group_name="profile",
    backfill_policy=dg.BackfillPolicy.single_run(),
    kinds={"python", "postgres"},
    code_version=PROFILE_CODE_VERSION,
    description=(
        "artist_profiles.master_schema refreshed from the fingerprint: daw_fingerprint_aggregates replaced, "
        "provenance (last_refreshed, sources.daw) updated, catalog works linked to their sets' summaries; "
        "every hand-written field kept as it is. Written only when a computed part changed."
    ),
)
def artist_master_schema(
    context: dg.AssetExecutionContext,
    daw_fingerprint: dict[str, ArtistFingerprint],
    database: DatabaseResource,
) -> dg.Output:
    writes: dict[str, ProfileWrite] = {}
    metadata: dict[str, dict[str, Any]] = {}
    versions: dict[str, str] = {}
    now = datetime.now(UTC)
    for slug, result in daw_fingerprint.items():
        with database.transaction() as conn:
            stored = profiles.get_profile(conn, result.artist.id)
        try:
            write = writes[slug] = plan_refresh(stored, result, now)
        except MasterSchemaError as exc:
            raise dg.Failure(
                f"{result.artist.name}: the stored profile cannot take the computed parts ({exc}); nothing "
                "was written. Correct it with `dawa profile export` / `dawa profile import`."
            ) from None
        rows = [f"artist_profiles(artist_id={result.artist.id})"] if write.changed else []
        metadata[slug] = {
            **_readable_metadata(result),
            "written": dg.MetadataValue.bool(write.changed),
            "dawa/provenance": _provenance(context, result, rows=rows, extra={"written": write.changed}),
        }
        versions[slug] = master_schema_version(write.master_schema)
    return batch_output(context, writes, metadata, versions)


profile_assets = [daw_fingerprint, fingerprint_chart, artist_master_schema]

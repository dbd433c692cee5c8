"""When artist profiles refresh: a sensor right after new summaries, and a nightly schedule that catches any
artist whose summaries are newer than their profile (e.g. after the sensor was off)."""

import dagster as dg

from dawa_pipeline.db import profiles
from dawa_pipeline.defs.ingest.assets import als_summary
from dawa_pipeline.defs.partitions import artist_partitions, upload_ref_for
from dawa_pipeline.defs.profile.assets import profile_assets
from dawa_pipeline.defs.resources import DatabaseResource

# Materialization events read per tick; a bulk import's events are worked through over consecutive ticks.
MAX_EVENTS_PER_TICK = 1000


@dg.sensor(
    name="artist_refresh_sensor",
    target=profile_assets,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Reads als_summary materializations since its cursor and requests one profile refresh run per "
        "artist with new summaries (daw_fingerprint, fingerprint_chart, artist_master_schema), however many "
        f"sets arrived; run_key = artist + newest event id. At most {MAX_EVENTS_PER_TICK} events per tick."
    ),
)
def artist_refresh_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    after = int(context.cursor) if context.cursor else None
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=als_summary.key, after_storage_id=after),
        limit=MAX_EVENTS_PER_TICK,
        ascending=True,
    ).records
    if not records:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new summaries"), cursor=context.cursor)

    newest_event: dict[str, int] = {}
    for record in records:
        partition = record.partition_key
        try:
            slug = upload_ref_for(partition).artist_slug if partition else None
        except ValueError:
            slug = None
        if slug is None:
            context.log.warning(f"als_summary event {record.storage_id}: no set partition ({partition!r})")
            continue
        newest_event[slug] = max(newest_event.get(slug, 0), record.storage_id)

    known = context.instance.has_dynamic_partition
    missing = sorted(slug for slug in newest_event if not known(artist_partitions.name, slug))
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=slug, run_key=f"profile:{slug}@{storage_id}")
            for slug, storage_id in sorted(newest_event.items())
        ],
        dynamic_partitions_requests=[artist_partitions.build_add_request(missing)] if missing else [],
        cursor=str(records[-1].storage_id),
    )


@dg.schedule(
    name="nightly_profile_refresh",
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    target=profile_assets,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        "At 03:00 UTC, one profile refresh run per artist whose newest summary is newer than the profile's "
        "provenance.last_refreshed (or who has no profile yet); none for unchanged artists."
    ),
)
def nightly_profile_refresh(context: dg.ScheduleEvaluationContext, database: DatabaseResource):
    with database.transaction() as conn:
        stale = profiles.artists_needing_refresh(conn)
    requests = []
    for entry in stale:
        slug = entry.artist.slug
        if not context.instance.has_dynamic_partition(artist_partitions.name, slug):
            # Schedules cannot add partitions; the upload sensor adds one for every artist with uploads.
            context.log.warning(f"{entry.artist.name}: no artist partition {slug!r} yet; skipped")
            continue
        stamp = entry.newest_summary_at.isoformat()
        requests.append(dg.RunRequest(partition_key=slug, run_key=f"nightly:{slug}@{stamp}"))
    if not requests:
        return dg.SkipReason("every artist's profile is up to date")
    return requests

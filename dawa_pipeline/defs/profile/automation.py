"""When artist profiles refresh: a sensor right after new summaries, and a nightly schedule that catches any
artist whose summaries are newer than their profile (e.g. after the sensor was off)."""

import dagster as dg

from dawa_pipeline.db import profiles
from dawa_pipeline.defs.ingest.assets import als_summary
from dawa_pipeline.defs.ingest.sensors import INGEST_STAGE, STAGE_TAG
from dawa_pipeline.defs.listing import EVERY_DAEMON_PASS
from dawa_pipeline.defs.partitions import (
    artist_partitions,
    batch_run_request,
    contiguous_batches,
    upload_ref_for,
)
from dawa_pipeline.defs.profile.assets import profile_assets
from dawa_pipeline.defs.resources import DatabaseResource

# Materialization events read per tick; a bulk import's events are worked through over consecutive ticks.
MAX_EVENTS_PER_TICK = 1000
MAX_ARTISTS_PER_RUN = 50
PROFILE_STAGE = "profile"


IN_FLIGHT = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def ingest_runs_in_flight(instance: dg.DagsterInstance) -> int:
    """Parse runs queued or running: a refresh waits for them, so a burst of uploads refreshes each artist
    once, after its last batch, rather than once per batch."""
    return instance.get_runs_count(dg.RunsFilter(statuses=IN_FLIGHT, tags={STAGE_TAG: INGEST_STAGE}))


def refresh_requests(newest_event: dict[str, int], order: list[str]) -> list[dg.RunRequest]:
    """One refresh run per batch of consecutive artists, keyed by the newest summary event it covers."""
    return [
        batch_run_request(
            batch,
            run_key=f"profile:{batch[0]}..{batch[-1]}@{max(newest_event[slug] for slug in batch)}",
            assets=[asset.key for asset in profile_assets],
            tags={STAGE_TAG: PROFILE_STAGE},
        )
        for batch in contiguous_batches(newest_event, order, MAX_ARTISTS_PER_RUN)
    ]


@dg.sensor(
    name="artist_refresh_sensor",
    target=profile_assets,
    minimum_interval_seconds=EVERY_DAEMON_PASS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Reads als_summary materializations since its cursor and, once no parse run is queued or running, "
        "requests one profile refresh run (daw_fingerprint, fingerprint_chart, artist_master_schema) for all "
        f"artists with new summaries, however many sets arrived. At most {MAX_EVENTS_PER_TICK} events a tick."
    ),
)
def artist_refresh_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    after = int(context.cursor) if context.cursor else None
    instance = context.instance
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=als_summary.key, after_storage_id=after),
        limit=MAX_EVENTS_PER_TICK,
        ascending=True,
    ).records
    if not records:
        return dg.SensorResult(skip_reason=dg.SkipReason("no new summaries"), cursor=context.cursor)
    if waiting := ingest_runs_in_flight(instance):
        reason = f"new summaries; waiting for {waiting} parse runs to finish"
        return dg.SensorResult(skip_reason=dg.SkipReason(reason), cursor=context.cursor)

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

    known = instance.get_dynamic_partitions(artist_partitions.name)
    missing = sorted(set(newest_event) - set(known))
    return dg.SensorResult(
        run_requests=refresh_requests(newest_event, [*known, *missing]),
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

"""Which artists the refresh sensor and the nightly schedule ask for: only changed ones, one run each, from
real materialization events and real rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import dagster as dg
from pipeline_env import ALL_ASSETS

from dawa_pipeline.db.connection import connect
from dawa_pipeline.defs.ingest.sensors import INGEST_STAGE, STAGE_TAG
from dawa_pipeline.defs.partitions import artist_partitions
from dawa_pipeline.defs.profile.assets import profile_assets
from dawa_pipeline.defs.profile.automation import artist_refresh_sensor, nightly_profile_refresh

ATLAS, MARROW = "nightshift-atlas", "velvet-marrow"
PROFILE_KEYS = {a.key for a in profile_assets}


def _schedule(env) -> list[dg.RunRequest] | dg.SkipReason:
    with dg.build_schedule_context(
        instance=env.instance,
        scheduled_execution_time=datetime.now(UTC),
        resources={"database": env.resources["database"]},
    ) as context:
        return nightly_profile_refresh(context)


def test_sensor_requests_one_run_for_all_changed_artists(pipeline, demo_sets):
    pipeline.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:3])
    pipeline.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][:2])

    first = pipeline.tick(artist_refresh_sensor)
    (both,) = first.run_requests
    assert pipeline.keys_of(first, artist_partitions.name) == [ATLAS, MARROW]
    assert set(both.asset_selection) == PROFILE_KEYS
    assert not first.dynamic_partitions_requests  # the upload sensor already added both artists

    assert pipeline.tick(artist_refresh_sensor).skip_reason is not None

    pipeline.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][2:4])
    later = pipeline.tick(artist_refresh_sensor)
    (request,) = later.run_requests
    assert request.partition_key == MARROW
    assert request.run_key != both.run_key
    assert int(later.cursor) > int(first.cursor)


def test_sensor_waits_for_parse_runs_in_flight(pipeline, demo_sets):
    pipeline.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:1])
    running = dg.DagsterRun(
        job_name="__ASSET_JOB",
        run_id=str(uuid.uuid4()),
        status=dg.DagsterRunStatus.STARTED,
        tags={STAGE_TAG: INGEST_STAGE},
    )
    pipeline.instance.add_run(running)

    waiting = pipeline.tick(artist_refresh_sensor)
    assert waiting.run_requests == [] and "waiting for 1 parse runs" in str(waiting.skip_reason)

    pipeline.instance.report_run_failed(running)
    (request,) = pipeline.tick(artist_refresh_sensor).run_requests
    assert request.partition_key == ATLAS


def test_sensor_adds_a_missing_artist_partition(pipeline, demo_sets):
    pipeline.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:1])
    pipeline.instance.delete_dynamic_partition(artist_partitions.name, ATLAS)

    result = pipeline.tick(artist_refresh_sensor)

    (request,) = result.run_requests
    assert request.partition_key == ATLAS
    (add,) = result.dynamic_partitions_requests
    assert list(add.partition_keys) == [ATLAS]


def _age_everything(database_url: str) -> None:
    """Time passes: every summary so far was parsed two days ago and every profile refreshed yesterday."""
    with connect(database_url) as conn:
        conn.execute("UPDATE als_summaries SET parse_timestamp = now() - interval '2 days'")
        conn.execute(
            """
            UPDATE artist_profiles SET master_schema = jsonb_set(master_schema, '{provenance,last_refreshed}',
                to_jsonb(to_char((now() - interval '1 day') AT TIME ZONE 'UTC',
                                 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')))
            """
        )
        conn.commit()


def test_nightly_schedule_requests_only_artists_with_newer_summaries(pipeline, demo_sets):
    pipeline.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:1])
    pipeline.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][:1])

    # Neither has a profile yet.
    assert sorted(r.partition_key for r in _schedule(pipeline)) == [ATLAS, MARROW]

    pipeline.refresh(ATLAS)
    assert [r.partition_key for r in _schedule(pipeline)] == [MARROW]
    pipeline.refresh(MARROW)
    assert isinstance(_schedule(pipeline), dg.SkipReason)

    _age_everything(pipeline.database_url)
    assert isinstance(_schedule(pipeline), dg.SkipReason)
    pipeline.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][1:2])
    (request,) = _schedule(pipeline)
    assert request.partition_key == MARROW
    assert request.run_key.startswith(f"nightly:{MARROW}@")

    # After the refresh Marrow is up to date again.
    pipeline.refresh(MARROW)
    assert isinstance(_schedule(pipeline), dg.SkipReason)


def test_a_hand_edited_refresh_time_falls_back_to_the_row_time(pipeline, demo_sets):
    pipeline.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][:1])
    pipeline.refresh(MARROW)
    with connect(pipeline.database_url) as conn:
        conn.execute(
            """UPDATE artist_profiles SET master_schema = jsonb_set(master_schema,
               '{provenance,last_refreshed}', '"last tuesday"')"""
        )
        conn.commit()
    # updated_at (just now) is newer than the summary: fresh, and the odd string breaks nothing.
    assert isinstance(_schedule(pipeline), dg.SkipReason)

    with connect(pipeline.database_url) as conn:
        conn.execute("UPDATE als_summaries SET parse_timestamp = now() + interval '1 hour'")
        conn.commit()
    (request,) = _schedule(pipeline)
    assert request.partition_key == MARROW


def test_sensor_and_schedule_target_exactly_the_profile_assets(pipeline):
    defs = dg.Definitions(
        assets=ALL_ASSETS,
        sensors=[artist_refresh_sensor],
        schedules=[nightly_profile_refresh],
        resources=pipeline.resources,
    )
    for trigger in (
        defs.resolve_sensor_def("artist_refresh_sensor"),
        defs.resolve_schedule_def("nightly_profile_refresh"),
    ):
        job = defs.resolve_job_def(trigger.job.name)
        assert set(job.asset_layer.selected_asset_keys) == PROFILE_KEYS
    assert nightly_profile_refresh.cron_schedule == "0 3 * * *"

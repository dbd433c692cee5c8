"""Which artists the refresh sensor and the nightly schedule ask for: only changed ones, one run each, from
real materialization events and real rows."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
from profile_pipeline_env import ALL_ASSETS

from dawa_pipeline.assets.profile import profile_assets
from dawa_pipeline.automation import artist_refresh_sensor, nightly_profile_refresh
from dawa_pipeline.db.connection import connect
from dawa_pipeline.partitions import artist_partitions

ATLAS, MARROW = "nightshift-atlas", "velvet-marrow"
PROFILE_KEYS = {a.key for a in profile_assets}


def _tick(env, cursor: str | None) -> dg.SensorResult:
    with dg.build_sensor_context(instance=env.instance, cursor=cursor, resources=env.resources) as context:
        result = artist_refresh_sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _schedule(env) -> list[dg.RunRequest] | dg.SkipReason:
    with dg.build_schedule_context(
        instance=env.instance,
        scheduled_execution_time=datetime.now(UTC),
        resources={"database": env.resources["database"]},
    ) as context:
        return nightly_profile_refresh(context)


def test_sensor_requests_one_run_per_changed_artist(pipeline_env, demo_sets):
    pipeline_env.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:3])
    pipeline_env.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][:2])

    first = _tick(pipeline_env, None)
    assert [r.partition_key for r in first.run_requests] == [ATLAS, MARROW]
    assert len({r.run_key for r in first.run_requests}) == 2
    assert all(r.run_key.startswith(f"profile:{r.partition_key}@") for r in first.run_requests)
    assert not first.dynamic_partitions_requests  # the upload sensor already added both artists

    assert _tick(pipeline_env, first.cursor).skip_reason is not None

    pipeline_env.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][2:4])
    later = _tick(pipeline_env, first.cursor)
    (request,) = later.run_requests
    assert request.partition_key == MARROW
    assert request.run_key != next(r.run_key for r in first.run_requests if r.partition_key == MARROW)
    assert int(later.cursor) > int(first.cursor)


def test_sensor_adds_a_missing_artist_partition(pipeline_env, demo_sets):
    pipeline_env.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:1])
    pipeline_env.instance.delete_dynamic_partition(artist_partitions.name, ATLAS)

    result = _tick(pipeline_env, None)

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


def test_nightly_schedule_requests_only_artists_with_newer_summaries(pipeline_env, demo_sets):
    pipeline_env.ingest("Nightshift Atlas", demo_sets["Nightshift Atlas"][:1])
    pipeline_env.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][:1])

    # Neither has a profile yet.
    assert sorted(r.partition_key for r in _schedule(pipeline_env)) == [ATLAS, MARROW]

    pipeline_env.refresh(ATLAS)
    assert [r.partition_key for r in _schedule(pipeline_env)] == [MARROW]
    pipeline_env.refresh(MARROW)
    assert isinstance(_schedule(pipeline_env), dg.SkipReason)

    _age_everything(pipeline_env.database_url)
    assert isinstance(_schedule(pipeline_env), dg.SkipReason)
    pipeline_env.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][1:2])
    (request,) = _schedule(pipeline_env)
    assert request.partition_key == MARROW
    assert request.run_key.startswith(f"nightly:{MARROW}@")

    # After the refresh Marrow is up to date again.
    pipeline_env.refresh(MARROW)
    assert isinstance(_schedule(pipeline_env), dg.SkipReason)


def test_a_hand_edited_refresh_time_falls_back_to_the_row_time(pipeline_env, demo_sets):
    pipeline_env.ingest("Velvet Marrow", demo_sets["Velvet Marrow"][:1])
    pipeline_env.refresh(MARROW)
    with connect(pipeline_env.database_url) as conn:
        conn.execute(
            """UPDATE artist_profiles SET master_schema = jsonb_set(master_schema,
               '{provenance,last_refreshed}', '"last tuesday"')"""
        )
        conn.commit()
    # updated_at (just now) is newer than the summary: fresh, and the odd string breaks nothing.
    assert isinstance(_schedule(pipeline_env), dg.SkipReason)

    with connect(pipeline_env.database_url) as conn:
        conn.execute("UPDATE als_summaries SET parse_timestamp = now() + interval '1 hour'")
        conn.commit()
    (request,) = _schedule(pipeline_env)
    assert request.partition_key == MARROW


def test_sensor_and_schedule_target_exactly_the_profile_assets(pipeline_env):
    defs = dg.Definitions(
        assets=ALL_ASSETS,
        sensors=[artist_refresh_sensor],
        schedules=[nightly_profile_refresh],
        resources=pipeline_env.resources,
    )
    for trigger in (
        defs.resolve_sensor_def("artist_refresh_sensor"),
        defs.resolve_schedule_def("nightly_profile_refresh"),
    ):
        job = defs.resolve_job_def(trigger.job.name)
        assert set(job.asset_layer.selected_asset_keys) == PROFILE_KEYS
    assert nightly_profile_refresh.cron_schedule == "0 3 * * *"

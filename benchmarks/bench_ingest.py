"""Ingest benchmark: N generated sets uploaded, found by the upload sensor and materialised in ONE run (what a
single-run backfill launches), on a throwaway embedded Postgres (DAWA's tables and Dagster's instance storage,
as `make dev` runs them) and storage folder.

Prints each stage's time and sets/s, and the per-set overhead beyond parsing:
(ingest time - the same sets' parse time) / N, where ingest = the upload sensor's ticks + the als_summary
run (rows written and checked) and the parse time is measured in the same process.
Target: <= 50 ms per set at N = 500. The export stage (timeline picture, summary.json, checks) is
reported beside it.

    .venv/bin/python benchmarks/bench_ingest.py --sets 500
"""

from __future__ import annotations

import argparse
import time
import warnings

from scratch import scratch_database

TARGET_OVERHEAD_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import dagster as dg

    from dawa_pipeline.als import parse_als
    from dawa_pipeline.cli.inprocess import evaluate_sensor
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect, sqlalchemy_url
    from dawa_pipeline.db.dagster_instance import DAGSTER_DATABASE, ensure_database, write_dagster_home
    from dawa_pipeline.defs.ingest import checks
    from dawa_pipeline.defs.ingest.assets import als_summary, als_summary_export, als_upload
    from dawa_pipeline.defs.ingest.sensors import als_upload_sensor
    from dawa_pipeline.defs.partitions import set_partitions
    from dawa_pipeline.defs.resources import DatabaseResource, StorageResource, build_resources
    from dawa_pipeline.demo.sets import bulk_sets
    from dawa_pipeline.storage.local import LocalStorage
    from dawa_pipeline.storage.uploads import upload_sets

    with scratch_database("dawa-bench-ingest-") as (work, url):
        with connect(url, autocommit=True) as conn:
            artist = ensure_artist(conn, "Bench Artist")
        print(f"generating {args.sets} sets ...", flush=True)
        files = bulk_sets(work / "sets", args.sets, seed=args.seed)
        xml_mb = 0.0

        started = time.perf_counter()
        for path in files:
            xml_mb += parse_als(path, artist_name=artist.name).source.xml_bytes / 1e6
        parse_s = time.perf_counter() - started

        storage = LocalStorage(work / "storage")
        resources = build_resources(DatabaseResource(url=url), StorageResource(root=str(work / "storage")))
        timings: dict[str, float] = {}
        # Dagster's own storage on the same Postgres, as `make dev` and production run it.
        dagster_home = work / "dagster"
        write_dagster_home(dagster_home, sqlalchemy_url(ensure_database(url, DAGSTER_DATABASE)))
        with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
            started = time.perf_counter()
            for _ in upload_sets(storage, artist.slug, files):
                pass
            timings["upload"] = time.perf_counter() - started

            started = time.perf_counter()
            cursor = None
            while True:  # ticks as the daemon runs them: partitions added, uploads recorded
                result = evaluate_sensor(instance, als_upload_sensor, resources, cursor)
                cursor = result.cursor
                if not result.run_requests:
                    break
            timings["sensor"] = time.perf_counter() - started
            keys = instance.get_dynamic_partitions(set_partitions.name)
            assert len(keys) == len(files), f"sensor found {len(keys)} of {len(files)} uploads"

            tags = {
                "dagster/asset_partition_range_start": keys[0],
                "dagster/asset_partition_range_end": keys[-1],
            }
            ingest_checks = [
                checks.summary_fits_seed,
                checks.export_matches_row,
                checks.timeline_picture_exists,
            ]
            assets = [als_upload, als_summary, als_summary_export, *ingest_checks]
            for stage in ("als_summary", "als_summary_export"):
                selection = dg.AssetSelection.assets(stage)  # with the stage's own checks
                started = time.perf_counter()
                run = dg.materialize(
                    assets, instance=instance, resources=resources, tags=tags, selection=selection
                )
                timings[stage] = time.perf_counter() - started
                assert run.success, f"{stage} run failed"
        with connect(url) as conn:
            (rows,) = conn.execute("SELECT count(*) FROM als_summaries").fetchone()
        assert rows == len(files), f"{rows} rows for {len(files)} sets"

        n = len(files)
        overhead_ms = (timings["sensor"] + timings["als_summary"] - parse_s) / n * 1000
        parse_ms = parse_s / n * 1000
        print(f"\n{n} sets, {xml_mb:.1f} MB of XML; parse alone {parse_s:.2f} s ({parse_ms:.1f} ms/set)")
        print(f"{'stage':<22}{'time s':>10}{'sets/s':>10}{'ms/set':>10}")
        for stage, seconds in timings.items():
            print(f"{stage:<22}{seconds:>10.2f}{n / seconds:>10.1f}{seconds / n * 1000:>10.1f}")
        total = sum(timings.values())
        print(f"{'total':<22}{total:>10.2f}{n / total:>10.1f}{total / n * 1000:>10.1f}")
        verdict = "meets" if overhead_ms <= TARGET_OVERHEAD_MS else "MISSES"
        ratio = overhead_ms / TARGET_OVERHEAD_MS
        print(
            f"\ningest overhead beyond parsing (sensor + als_summary - parse): {overhead_ms:.1f} ms/set "
            f"({verdict} the {TARGET_OVERHEAD_MS:.0f} ms target; ratio {ratio:.2f})"
        )
        export_ms = timings["als_summary_export"] / n * 1000
        print(f"als_summary_export (timeline picture + summary.json + checks): {export_ms:.1f} ms/set")
        return 0 if overhead_ms <= TARGET_OVERHEAD_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())

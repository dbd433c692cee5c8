"""Dataset benchmark: what a run after a killed build costs when it adopts the stored zip, against building
the same items' zip again (`full_rebuild`, the work a re-run did before builds were recorded), on a throwaway
embedded Postgres and storage folder.

N generated sets get one rendered audio file each, are checked and captioned offline; then a training_dataset
run stops after storing its zip (the crash window: zip stored, items still ready), the next run adopts it, and
a full rebuild of the same items is timed as the baseline. Prints both steps' times and their ratio.

    .venv/bin/python benchmarks/bench_dataset.py --items 20 --seconds 30
"""

from __future__ import annotations

import argparse
import math
import warnings

from scratch import scratch_database


class _Killed(Exception):
    """Stands in for a kill -9 between storing the zip and marking its items exported."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each item's audio")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")

    import dagster as dg

    from dawa_pipeline.als import parse_als
    from dawa_pipeline.db import dataset_builds, summaries, training_items
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.defs.resources import DatabaseResource, StorageResource, build_resources
    from dawa_pipeline.defs.training.assets import training_prompts
    from dawa_pipeline.defs.training.datasets import training_dataset
    from dawa_pipeline.defs.training.resources import PromptWriterResource
    from dawa_pipeline.defs.training.sensors import check_training_audio
    from dawa_pipeline.demo.audio import synth_demo_audio
    from dawa_pipeline.demo.sets import bulk_sets
    from dawa_pipeline.storage import layout
    from dawa_pipeline.storage.local import LocalStorage

    with scratch_database("dawa-bench-dataset-") as (work, url):
        with connect(url, autocommit=True) as conn:
            artist = ensure_artist(conn, "Bench Artist")
        storage = LocalStorage(work / "storage")
        database = DatabaseResource(url=url)
        resources = build_resources(
            database, StorageResource(root=str(work / "storage")), PromptWriterResource(offline=True)
        )
        print(f"{args.items} items of {args.seconds:g} s audio: generating ...", flush=True)
        rows = []
        for path in bulk_sets(work / "sets", args.items):
            summary = parse_als(path, artist_name=artist.name)
            rows.append(
                summaries.SummaryRow.of(
                    artist.id,
                    summary,
                    export_path="",
                    source_path=layout.upload_path(artist.slug, summary.project_name, summary.als_filename),
                )
            )
        with connect(url) as conn:
            items = training_items.ensure_items_for_summaries(conn, summaries.upsert_summaries(conn, rows))
            conn.commit()
        for n, item in enumerate(items):
            audio = synth_demo_audio(f"bench-{n}", seconds=args.seconds, bpm=100 + n % 40)
            storage.put(layout.training_audio_path(artist.slug, item.id), audio, "audio/mpeg")
        for obj in storage.list(f"{layout.artist_prefix(artist.slug)}{layout.TRAINING}/"):
            check_training_audio(storage, database, obj)

        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions("artists", [artist.slug])

            def run(asset: dg.AssetsDefinition, **run_config: object) -> float:
                """The asset step's own time (without the run's start and stop), in seconds."""
                result = dg.materialize(
                    [training_prompts, training_dataset],
                    selection=[asset],
                    partition_key=artist.slug,
                    instance=instance,
                    resources=resources,
                    run_config={"ops": {asset.op.name: {"config": run_config}}} if run_config else None,
                    raise_on_error=False,
                )
                (step,) = [e for e in result.all_events if e.is_step_success or e.is_step_failure]
                return step.event_specific_data.duration_ms / 1000 if step.is_step_success else math.nan

            run(training_prompts)
            finish_build = dataset_builds.finish_build

            def killed(*_: object) -> bool:
                raise _Killed

            dataset_builds.finish_build = killed
            try:
                first = run(training_dataset)
            finally:
                dataset_builds.finish_build = finish_build
            adopt = run(training_dataset)
            rebuild = run(training_dataset, full_rebuild=True)

        with connect(url) as conn:
            statuses = {i.status for i in training_items.items_with_status(conn, artist.id, "exported")}
            pending = dataset_builds.pending_build(conn, artist.id)
        zips = list(storage.list(f"{layout.artist_prefix(artist.slug)}{layout.DATASETS}/"))
        assert statuses == {"exported"} and pending is None and len(zips) == 2, "the runs did not all finish"
        size_mb = zips[0].size / 1e6
        print(f"zip: {size_mb:.1f} MB")
        print(f"killed build (until the zip was stored): failed as meant: {math.isnan(first)}")
        print(f"adoption by the next run:                 {adopt:.2f} s")
        print(f"full rebuild of the same items:           {rebuild:.2f} s")
        print(f"adoption / rebuild: {adopt / rebuild:.3f}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

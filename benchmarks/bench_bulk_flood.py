"""The element-flood upload (dawa_pipeline.demo.hostile_sets.element_flood, ~100 MB of XML that passes the
compression-ratio check) inside a 14-set bulk run: the run's time, its process's peak RSS and the largest
parse worker's (sampled), beside the same 13 good sets without the flood (the baseline, run first).
Target: the flood refused within 10 s and 300 MB (its worker), the run's process unaffected.

Each batch goes through the upload sensor and its run request as the daemon runs it, on a throwaway embedded
Postgres and storage folder.

    .venv/bin/python benchmarks/bench_bulk_flood.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import psutil
from scratch import scratch_database

GOOD_SETS = 13


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _write_flood(path: Path) -> Path:
    """The flood, made in a process of its own: building it takes ~200 MB this process must not show."""
    path.parent.mkdir(parents=True)
    code = "import sys; from dawa_pipeline.demo.hostile_sets import element_flood as f; "
    code += "open(sys.argv[1], 'wb').write(f(100_000_000))"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return path


class _WorkerPeak:
    """The largest RSS any parse worker of this process reaches while the block runs (sampled)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._done.wait(0.01):
            for child in me.children():
                try:
                    if "dawa_pipeline.als.isolated" in child.cmdline():
                        self.peak_mb = max(self.peak_mb, child.memory_info().rss / 2**20)
                except psutil.Error:
                    continue

    def __enter__(self) -> _WorkerPeak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()


def main() -> None:
    warnings.filterwarnings("ignore")
    import dagster as dg
    from tabulate import tabulate

    from dawa_pipeline.cli.inprocess import evaluate_sensor, execute_run_request, failed_partitions
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.definitions import defs
    from dawa_pipeline.defs.ingest.sensors import als_upload_sensor
    from dawa_pipeline.defs.resources import DatabaseResource, StorageResource, build_resources
    from dawa_pipeline.defs.training.resources import PromptWriterResource
    from dawa_pipeline.demo.live_set.build import build_set
    from dawa_pipeline.demo.live_set.spec import SetSpec, Track
    from dawa_pipeline.storage.local import LocalStorage
    from dawa_pipeline.storage.uploads import upload_sets

    with scratch_database("dawa-bench-flood-") as (root, url):
        resources = build_resources(
            DatabaseResource(url=url),
            StorageResource(root=str(root / "storage")),
            PromptWriterResource(offline=True),
            root / "values",
        )
        location = defs()
        definitions = [*location.assets, *location.asset_checks]
        rows: list[list[Any]] = []
        with dg.instance_for_test() as instance:
            cursor = None
            for label, flood in (("13 good sets", False), ("13 good sets + element flood", True)):
                folder = root / label.replace(" ", "-")
                files = []
                for i in range(GOOD_SETS):
                    path = folder / f"Set {i} Project" / f"Set {i}.als"
                    path.parent.mkdir(parents=True)
                    spec = SetSpec(tempo=100.0 + i + 20 * flood, tracks=[Track.midi("K"), Track.audio("D")])
                    path.write_bytes(build_set(spec))
                    files.append(path)
                if flood:
                    files.append(_write_flood(folder / "Flood Project" / "Flood.als"))
                with connect(url) as conn:
                    artist = ensure_artist(conn, f"Bench {label}")
                    conn.commit()
                list(upload_sets(LocalStorage(root / "storage"), artist.slug, files))
                tick = evaluate_sensor(instance, als_upload_sensor, resources, cursor)
                cursor = tick.cursor
                (request,) = tick.run_requests
                started = time.monotonic()
                with _WorkerPeak() as workers:
                    run = execute_run_request(instance, request, definitions, resources, "bench")
                seconds = time.monotonic() - started
                failed = failed_partitions(run)
                rows.append(
                    [
                        label,
                        f"{seconds:.1f}",
                        f"{_peak_mb(resource.RUSAGE_SELF):.0f}",
                        f"{workers.peak_mb:.0f}",
                        "; ".join(failed.values()) or "none",
                    ]
                )
        headers = ["run", "time s", "run process peak MB", "largest worker peak MB", "failed"]
        print(tabulate(rows, headers=headers, tablefmt="github"))
        print(f"ratio flood run / baseline run: {float(rows[1][1]) / float(rows[0][1]):.2f}")


if __name__ == "__main__":
    main()

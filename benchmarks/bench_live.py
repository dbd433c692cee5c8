"""Live-path benchmark: what a person meets who runs `make dev` and then `dawa upload`s N sets for 3 artists.

The daemon starts exactly as `make dev` starts it (own DAWA_HOME, free port, own process group); the clock
starts when the last `dawa upload` command returns. Postgres, the storage folder and the Dagster instance are
polled for: the first als_summaries row, all rows, all exports (summary.json), and every artist's profile
refreshed from all of its sets (provenance.sources.daw lists them all). Also reported: the runs the daemon
launched (queue wait, duration) and the processes the dev server started. Then, without a daemon, the same
uploads on a fresh DAWA_HOME followed by `dawa sync`; and bench_ingest on the same sets as the baseline
(its sensor + als_summary + als_summary_export stages). Targets on a 2-core machine:
N = 20: every profile refreshed <= 60 s after upload; N = 300: <= 3x bench_ingest, <= 10 ingest runs;
`dawa sync` after N uploads <= 1.5x bench_ingest.

    .venv/bin/python benchmarks/bench_live.py --sets 20
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dawa_pipeline_tests"))

from dev_server import DevServer, dawa, dev_environment, dev_server

ARTISTS = ("Live Bench One", "Live Bench Two", "Live Bench Three")
BASELINE_STAGES = ("sensor", "als_summary", "als_summary_export")
POLL_SECONDS = 0.5


@dataclass
class Milestones:
    """Seconds after the upload command returned at which each milestone was first seen."""

    first_row: float | None = None
    all_rows: float | None = None
    all_exports: float | None = None
    all_profiles: float | None = None
    counts: dict[str, int] = field(default_factory=dict)


def split_among_artists(files: list[Path], root: Path) -> dict[str, Path]:
    """The sets dealt round-robin into one folder per artist (project folders moved whole)."""
    folders = {name: root / f"artist-{i}" for i, name in enumerate(ARTISTS)}
    for index, path in enumerate(files):
        target = folders[ARTISTS[index % len(ARTISTS)]]
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path.parent), target / path.parent.name)
    return folders


def upload_all(env: dict[str, str], folders: dict[str, Path]) -> float:
    """`dawa upload` per artist, one after the other; returns how long they took."""
    started = time.perf_counter()
    for artist, folder in folders.items():
        result = dawa(env, "upload", "--artist", artist, str(folder))
        if result.returncode != 0:
            raise RuntimeError(f"dawa upload failed: {result.stderr[-2000:]}")
    return time.perf_counter() - started


def progress(home: Path, expected: dict[str, int]) -> tuple[int, int, int]:
    """(als_summaries rows, summary.json exports, artists whose profile covers all their sets)."""
    from dawa_pipeline.db.connection import connect
    from dawa_pipeline.db.embedded import running_url

    url = running_url(home / "pg")
    if url is None:
        raise RuntimeError(f"the embedded Postgres in {home / 'pg'} is not running")
    with connect(url) as conn:
        (rows,) = conn.execute("SELECT count(*) FROM als_summaries").fetchone()
        covered = conn.execute(
            "SELECT a.name, jsonb_array_length(p.master_schema #> '{provenance,sources,daw}') "
            "FROM artist_profiles p JOIN artists a ON a.id = p.artist_id "
            "WHERE p.master_schema #> '{provenance,last_refreshed}' IS NOT NULL"
        ).fetchall()
    exports = sum(1 for _ in (home / "storage" / "artists").glob("*/daw-data/**/summary.json"))
    profiles = sum(1 for name, n in covered if n is not None and n >= expected.get(name, 0) > 0)
    return rows, exports, profiles


def watch(home: Path, expected: dict[str, int], since: float, timeout: float) -> Milestones:
    n = sum(expected.values())
    seen = Milestones()
    deadline = since + timeout
    while time.perf_counter() < deadline:
        rows, exports, profiles = progress(home, expected)
        at = time.perf_counter() - since
        if rows and seen.first_row is None:
            seen.first_row = at
        if rows >= n and seen.all_rows is None:
            seen.all_rows = at
        if exports >= n and seen.all_exports is None:
            seen.all_exports = at
        if profiles == len(expected) and seen.all_profiles is None:
            seen.all_profiles = at
        seen.counts = {"rows": rows, "exports": exports, "profiles": profiles}
        if None not in (seen.all_rows, seen.all_exports, seen.all_profiles):
            break
        time.sleep(POLL_SECONDS)
    return seen


def describe_runs(server: DevServer, since_wall: float) -> tuple[list[str], int]:
    """One line per run (stage, status, when it was queued, started and ended in seconds after the upload
    returned, its partitions), and how many ingest runs there were."""
    with server.instance() as instance:
        records = sorted(instance.get_run_records(), key=lambda r: r.create_timestamp)  # type: ignore[attr-defined]
    lines = []
    for record in records:
        tags = record.dagster_run.tags
        stage = tags.get("dawa/stage") or tags.get("dagster/sensor_name") or "other"
        created = record.create_timestamp.timestamp() - since_wall
        started = f"{record.start_time - since_wall:8.1f}" if record.start_time else "       -"
        ended = f"{record.end_time - since_wall:8.1f}" if record.end_time else "       -"
        partitions = tags.get("dagster/partition") or " .. ".join(
            tags.get(f"dagster/asset_partition_range_{end}", "?") for end in ("start", "end")
        )
        status = record.dagster_run.status.value
        lines.append(f"  {stage:<10}{status:<9}{created:8.1f}{started}{ended}   {partitions}")
    ingest = sum(1 for r in records if r.dagster_run.tags.get("dawa/stage") == "ingest")
    return lines, ingest


# What Dagster starts per run: a worker (spawned by the code server), and a tail and an orphan watcher per
# captured stream (stdout, stderr) of its compute logs.
_KINDS = {
    "multiprocessing.spawn": "run worker",
    "multiprocessing.resource_tracker": "multiprocessing resource tracker",
    "watch_orphans.py": "compute-log orphan watcher",
    "tail -F": "compute-log tail",
}


def process_kinds(commands: list[str]) -> Counter[str]:
    """How many processes of each kind, e.g. 'run worker'; unknown ones by their command's first words."""
    return Counter(
        next((kind for marker, kind in _KINDS.items() if marker in command), " ".join(command.split()[:3]))
        for command in commands
    )


def _at(value: float | None) -> str:
    return "not reached" if value is None else f"{value:7.1f} s"


def measure_live(home: Path, folders: dict[str, Path], expected: dict[str, int], timeout: float) -> dict:
    print("starting `make dev` ...", flush=True)
    started = time.perf_counter()
    with dev_server(home) as server:
        ready = time.perf_counter() - started
        print(f"dev server ready on {server.url} after {ready:.1f} s; uploading ...", flush=True)
        wall_before = time.time()
        upload_s = upload_all(server.env, folders)
        returned = time.perf_counter()
        returned_wall = time.time()
        seen = watch(home, expected, returned, timeout)
        server.wait_for_runs(timeout=120)
        runs, ingest_runs = describe_runs(server, returned_wall)
        started_cmds = server.processes.started_after(wall_before)
        peak = server.processes.peak
    kinds = process_kinds(started_cmds)
    n = sum(expected.values())
    print(f"\n`make dev`, {n} sets for {len(expected)} artists (dawa upload: {upload_s:.1f} s)")
    print(f"  upload returned -> first row        {_at(seen.first_row)}")
    print(f"  upload returned -> all rows         {_at(seen.all_rows)}")
    print(f"  upload returned -> all exports      {_at(seen.all_exports)}")
    print(f"  upload returned -> all profiles     {_at(seen.all_profiles)}   (last seen: {seen.counts})")
    print(f"runs launched: {len(runs)} ({ingest_runs} ingest); seconds after the upload returned:")
    print(f"  {'stage':<10}{'status':<9}{'queued':>8}{'started':>8}{'ended':>8}   partitions")
    print("\n".join(runs))
    print(
        f"processes started by the dev server after the upload began: {len(started_cmds)} "
        f"({kinds['run worker']} run workers), peak {peak} in its tree at once: {dict(kinds)}"
    )
    print("dev server stopped with SIGINT; nothing left running", flush=True)
    return {"milestones": seen, "ingest_runs": ingest_runs, "upload_s": upload_s}


def measure_sync(home: Path, folders: dict[str, Path], expected: dict[str, int]) -> float:
    env = dev_environment(home)
    upload_all(env, folders)
    started = time.perf_counter()
    result = dawa(env, "sync", timeout=3600)
    seconds = time.perf_counter() - started
    try:
        if result.returncode != 0:
            raise RuntimeError(
                f"dawa sync exited {result.returncode}: {result.stdout[-2000:]}{result.stderr}"
            )
        rows, exports, profiles = progress(home, expected)
        summary = result.stdout.strip().splitlines()[-1]
        print(f"\n`dawa sync` after the same uploads, no daemon: {seconds:.1f} s ({summary})")
        print(f"  rows {rows}, exports {exports}, profiles covering all sets {profiles}/{len(expected)}")
    finally:
        dawa(env, "db", "stop", timeout=120)
    return seconds


def bench_ingest(n: int, seed: int) -> float:
    """bench_ingest's sensor + als_summary + als_summary_export seconds for the same N and seed."""
    script = Path(__file__).with_name("bench_ingest.py")
    result = subprocess.run(
        [sys.executable, str(script), "--sets", str(n), "--seed", str(seed)],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    stages = dict(re.findall(r"^(\w+)\s+([\d.]+)\s+[\d.]+\s+[\d.]+$", result.stdout, flags=re.MULTILINE))
    missing = [s for s in BASELINE_STAGES if s not in stages]
    if missing:
        raise RuntimeError(
            f"bench_ingest printed no {missing}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    seconds = sum(float(stages[s]) for s in BASELINE_STAGES)
    print(
        f"\nbench_ingest, same {n} sets (one artist, one run per stage): {seconds:.1f} s "
        f"({', '.join(f'{s} {float(stages[s]):.1f} s' for s in BASELINE_STAGES)})"
    )
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for all profiles")
    parser.add_argument("--skip-sync", action="store_true", help="measure the daemon only")
    args = parser.parse_args()

    from dawa_pipeline.demo.sets import bulk_sets

    work = Path(tempfile.mkdtemp(prefix="dawa-bench-live-"))
    try:
        print(f"generating {args.sets} sets ...", flush=True)
        folders = split_among_artists(bulk_sets(work / "sets", args.sets, seed=args.seed), work / "upload")
        expected = {artist: sum(1 for _ in folder.rglob("*.als")) for artist, folder in folders.items()}
        live = measure_live(work / "live-home", folders, expected, args.timeout)
        sync_s = None if args.skip_sync else measure_sync(work / "sync-home", folders, expected)
        baseline = bench_ingest(args.sets, args.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    profiles_s = live["milestones"].all_profiles
    exports_s = live["milestones"].all_exports
    print("\nagainst the targets:")
    ok = profiles_s is not None
    if profiles_s is not None:
        print(f"  upload -> all profiles {profiles_s:.1f} s = {profiles_s / baseline:.2f}x bench_ingest")
    if exports_s is not None:
        print(f"  upload -> all exports  {exports_s:.1f} s = {exports_s / baseline:.2f}x bench_ingest")
    if args.sets <= 20:
        ok = ok and profiles_s <= 60
        print(f"  N <= 20: all profiles <= 60 s: {'met' if ok else 'MISSED'}")
    else:
        met = ok and profiles_s <= 3 * baseline and live["ingest_runs"] <= 10
        print(
            f"  all profiles <= 3x bench_ingest and <= 10 ingest runs ({live['ingest_runs']}): "
            f"{'met' if met else 'MISSED'}"
        )
        ok = met
    if sync_s is not None:
        met = sync_s <= 1.5 * baseline
        print(
            f"  dawa sync {sync_s:.1f} s = {sync_s / baseline:.2f}x bench_ingest (<= 1.5x: "
            f"{'met' if met else 'MISSED'})"
        )
        ok = ok and met
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

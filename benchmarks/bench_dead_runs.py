"""How long a run whose run worker is killed with kill -9 stays STARTED, and whether its `parser` pool slot is
freed for the next run, under `dagster dev` (scripts/dev.sh) and under the daemon alone (`dagster-daemon
run`), with the dagster.yaml DAWA writes (run monitoring on) and a `parser` pool limit of 1.

Each setup gets a fresh DAWA_HOME (embedded Postgres, local storage): a batch of sets is uploaded, the upload
sensor's run is killed (SIGKILL to the run worker, the process whose children are the parse workers) while it
parses, then the time until the run is FAILED is measured, the killed worker's parse workers are checked for
exit, and one more set is uploaded: its run must take the pool slot and succeed.

With --fault outage the embedded Postgres (DAWA's tables and Dagster's storage) is stopped for 75 s mid-parse
instead, and the time is counted from its restart.

    python benchmarks/bench_dead_runs.py [--setup dev|daemon|both] [--fault kill|outage] [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from tabulate import tabulate

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKER_MODULE = "dawa_pipeline.als.isolated"
POOL = "parser"
ARTIST = "Dead Run"
OUTAGE_S = 75


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(what: str, check: Callable[[], Any], timeout: float, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(every)
    raise TimeoutError(f"no {what} within {timeout:g} s")


def _write_sets(folder: Path, count: int, slow: bool) -> list[Path]:
    """`count` small valid sets, plus (with `slow`) one that keeps a parse worker busy for seconds."""
    from dawa_pipeline.demo.hostile_sets import note_flood
    from dawa_pipeline.demo.live_set.build import build_set
    from dawa_pipeline.demo.live_set.spec import SetSpec, Track

    paths = []
    for i in range(count):
        path = folder / f"Set {folder.name} {i} Project" / f"Set {i}.als"
        path.parent.mkdir(parents=True)
        spec = SetSpec(tempo=90.0 + i + len(folder.name), tracks=[Track.midi("Keys"), Track.audio("Drums")])
        path.write_bytes(build_set(spec))
        paths.append(path)
    if slow:
        path = folder / "Slow Project" / "Slow.als"
        path.parent.mkdir(parents=True)
        path.write_bytes(note_flood(100_000_000))
        paths.insert(0, path)
    return paths


class Setup:
    """A DAWA_HOME with Dagster running in one of the two setups."""

    def __init__(self, kind: str, root: Path) -> None:
        self.kind, self.root = kind, root
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DAWA_", "DAGSTER_"))},
            "DAWA_HOME": str(root / "home"),
            "DAWA_DEV_PORT": str(_free_port()),
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        }
        exports = self._run(["dawa", "dagster-env"]).stdout
        for line in exports.splitlines():
            name, value = line.removeprefix("export ").split("=", 1)
            self.env[name] = shlex.split(value)[0]
        self._run(["dagster", "instance", "concurrency", "set", POOL, "1"])
        command = (
            [str(REPO / "scripts" / "dev.sh")]
            if kind == "dev"
            else ["dagster-daemon", "run", "-w", str(REPO / "workspace.yaml")]
        )
        self.log = (root / f"{kind}.log").open("w")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        import dagster as dg

        self.instance = dg.DagsterInstance.from_config(self.env["DAGSTER_HOME"])

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=REPO, env=self.env, capture_output=True, text=True, check=True)

    def upload(self, files: list[Path]) -> None:
        self._run(["dawa", "upload", "--artist", ARTIST, *map(str, files)])

    def runs(self) -> list[Any]:
        return list(reversed(self.instance.get_runs()))

    def parse_workers(self) -> list[psutil.Process]:
        """This DAWA_HOME's parse workers (the run worker is their parent)."""
        found = []
        for proc in psutil.process_iter(["cmdline"]):
            try:
                if WORKER_MODULE in (proc.info["cmdline"] or []) and (
                    proc.environ().get("DAWA_HOME") == self.env["DAWA_HOME"]
                ):
                    found.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found

    def claimed(self) -> int:
        """How many of the `parser` pool's slots runs hold."""
        return len(self.instance.event_log_storage.get_concurrency_info(POOL).claimed_slots)

    def stop_database(self) -> None:
        self._run(["dawa", "db", "stop"])

    def start_database(self) -> None:
        self._run(["dawa", "db", "start"])

    def last_engine_event(self, run_id: str) -> str:
        import dagster as dg

        records = self.instance.get_records_for_run(
            run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, ascending=False, limit=1
        ).records
        return records[0].event_log_entry.message[:70] if records else ""

    def close(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.instance.dispose()
        self._run(["dawa", "db", "stop"])
        self.log.close()


def measure(kind: str, fault: str, timeout: float) -> dict[str, Any]:
    import dagster as dg

    root = Path(tempfile.mkdtemp(prefix=f"dawa-bench-dead-{kind}-"))
    setup = Setup(kind, root)
    try:
        setup.upload(_write_sets(root / "first", 6, slow=True))
        _until("parse workers", setup.parse_workers, timeout)
        (run,) = [r for r in setup.runs() if r.status == dg.DagsterRunStatus.STARTED]
        time.sleep(1.0)  # well inside the parse step
        workers = setup.parse_workers()
        claimed_at_kill = setup.claimed()
        if fault == "outage":  # Dagster's storage and DAWA's tables both gone for OUTAGE_S
            setup.stop_database()
            time.sleep(OUTAGE_S)
            setup.start_database()
        else:
            workers[0].parent().send_signal(signal.SIGKILL)
        killed = time.monotonic()
        gone, alive = psutil.wait_procs(workers, timeout=30)
        try:
            status = _until(
                "end of the killed run",
                lambda: (r := setup.instance.get_run_by_id(run.run_id)).is_finished and r.status,
                timeout,
                every=0.1,
            )
        except TimeoutError:
            status = setup.instance.get_run_by_id(run.run_id).status
            print(f"{kind}, {fault}: the run is still {status.value} {timeout:g} s after", flush=True)
            raise
        marked_after = time.monotonic() - killed
        _until("a freed parser slot", lambda: not setup.claimed(), timeout, every=0.5)
        freed_after = time.monotonic() - killed
        uploaded = time.monotonic()
        setup.upload(_write_sets(root / "second", 1, slow=False))
        follow_up = _until(
            "a finished next run", lambda: next((r for r in setup.runs()[1:] if r.is_finished), None), timeout
        )
        return {
            "setup": "dagster dev" if kind == "dev" else "dagster-daemon only",
            "fault": "kill -9 of the run worker" if fault == "kill" else f"database down {OUTAGE_S} s",
            "run": status.value,
            "marked after s": round(marked_after, 1),
            "by": setup.last_engine_event(run.run_id),
            "parse workers exited": f"{len(gone)}/{len(gone) + len(alive)}",
            "parser slots held at kill": claimed_at_kill,
            "slot freed after s": round(freed_after, 1),
            "next run": follow_up.status.value,
            "next run ended after s": round(time.monotonic() - uploaded, 1),
        }
    finally:
        setup.close()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=("dev", "daemon", "both"), default="both")
    parser.add_argument("--fault", choices=("kill", "outage"), default="kill")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    kinds = ("dev", "daemon") if args.setup == "both" else (args.setup,)
    rows = [measure(kind, args.fault, args.timeout) for kind in kinds]
    print(tabulate([list(r.values()) for r in rows], headers=list(rows[0]), tablefmt="github"))


if __name__ == "__main__":
    main()

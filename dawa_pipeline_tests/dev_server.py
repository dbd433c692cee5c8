"""`make dev` as a person runs it, for the live benchmark and the daemon test: started in a process group of
its own (as a shell with job control starts a foreground job) on its own DAWA_HOME and port, stopped as
Ctrl-C stops it (SIGINT to the group), with its embedded Postgres stopped afterwards. It records every
process the server starts, and says which are still alive after the stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
DAWA = Path(sys.executable).with_name("dawa")
# Settings a dev server must not inherit from the caller's shell: it runs on its own DAWA_HOME.
_INHERITED = ("DAWA_DATABASE_URL", "DAWA_STORAGE", "DAGSTER_HOME", "DAGSTER_POSTGRES_URL")
_POSTGRES = frozenset({"postgres", "pg_ctl", "initdb"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dev_environment(home: Path, port: int | None = None) -> dict[str, str]:
    """The caller's environment with DAWA_HOME `home` (and the dev server's port), nothing else of DAWA's."""
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    env["DAWA_HOME"] = str(home)
    if port is not None:
        env["DAWA_DEV_PORT"] = str(port)
    return env


def dawa(env: Mapping[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the `dawa` command (as a user types it) and return its outcome; output captured."""
    return subprocess.run(
        [str(DAWA), *args], env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass
class ProcessLog:
    """Every process seen in the dev server's tree (sampled), by pid and start time; the embedded Postgres is
    left out (`dawa db stop` ends it)."""

    seen: dict[tuple[int, float], str] = field(default_factory=dict)
    groups: set[int] = field(default_factory=set)
    peak: int = 0

    def sample(self, root: psutil.Process) -> None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        alive = 0
        for proc in tree:
            try:
                if (
                    proc.name() in _POSTGRES or not proc.is_running()
                ):  # the embedded server outlives the CLI that starts it
                    continue
                key = (proc.pid, proc.create_time())
                if key not in self.seen:
                    self.seen[key] = " ".join(proc.cmdline())[:200]
                    self.groups.add(os.getpgid(proc.pid))
                alive += 1
            except psutil.Error:
                continue
        self.peak = max(self.peak, alive)

    def started_after(self, moment: float) -> list[str]:
        """Command lines of the processes started after `moment` (a time.time())."""
        return [cmd for (_, created), cmd in self.seen.items() if created >= moment]

    def alive(self) -> list[psutil.Process]:
        """The processes seen that are still running (zombies count as ended)."""
        left = []
        for pid, created in self.seen:
            with suppress(psutil.Error):
                proc = psutil.Process(pid)
                if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                    left.append(proc)
        return left

    def command(self, proc: psutil.Process) -> str:
        return next((cmd for (pid, _), cmd in self.seen.items() if pid == proc.pid), "")


@dataclass
class DevServer:
    home: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    processes: ProcessLog

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float) -> None:
        """Until the UI answers and the daemon has ticked the upload sensor once."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"`make dev` exited with {self.process.returncode}: {self.log_tail()}")
            if self._answers() and self.sensor_ticks("als_upload_sensor") > 0:
                return
            time.sleep(0.5)
        raise TimeoutError(f"`make dev` not ready after {timeout:.0f} s: {self.log_tail()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/server_info", timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def sensor_ticks(self, name: str) -> int:
        """How many ticks the daemon recorded for sensor `name` so far."""
        with self.instance() as instance:
            for state in instance.all_instigator_state():
                if state.instigator_name == name:
                    return len(instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=5))
        return 0

    def wait_for_runs(self, timeout: float) -> None:
        """Until no run is queued or running (a run writes its last events after its last asset)."""
        import dagster as dg

        busy = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.instance() as instance:
                if not instance.get_runs_count(dg.RunsFilter(statuses=busy)):  # type: ignore[attr-defined]
                    return
            time.sleep(0.5)

    @contextmanager
    def instance(self) -> Iterator[object]:
        """The server's Dagster instance (runs, ticks), read from its DAGSTER_HOME."""
        import dagster as dg

        with dg.DagsterInstance.from_config(str(self.home / "dagster")) as instance:
            yield instance

    def log_tail(self, chars: int = 3000) -> str:
        log = self.home / "dev.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else ""


@contextmanager
def dev_server(home: Path, *, ready_timeout: float = 180, stop_timeout: float = 60) -> Iterator[DevServer]:
    """`make dev` on DAWA_HOME `home` and a free port, ready to take uploads; afterwards stopped with SIGINT
    to its process group, its embedded Postgres stopped, and RuntimeError naming what had to be killed (or
    was left running) when that did not end everything it started."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dev_environment(home, port)
    with open(home / "dev.log", "wb") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "dev"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_as_foreground_job,
        )
    processes = ProcessLog()
    stop = threading.Event()
    root = psutil.Process(process.pid)

    def watch() -> None:
        while not stop.is_set():
            processes.sample(root)
            stop.wait(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    server = DevServer(home=home, port=port, env=env, process=process, processes=processes)
    try:
        server.wait_ready(ready_timeout)
        yield server
    finally:
        killed = _stop(process, processes, stop_timeout)
        stop.set()
        watcher.join()
        dawa(dev_environment(home), "db", "stop", timeout=120)
        from dawa_pipeline.db.embedded import running_url

        if running_url(home / "pg") is not None:
            killed.append(f"embedded Postgres in {home / 'pg'}")
        if killed:
            raise RuntimeError(
                f"`make dev` did not stop cleanly on SIGINT; left running: {killed}\n{server.log_tail()}"
            )


def _as_foreground_job() -> None:
    """Default SIGINT handling, as a terminal's foreground job has: a caller started in the background (with
    SIGINT ignored) would pass the ignoring on, and a shell cannot trap a signal ignored on entry."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stop(process: subprocess.Popen[bytes], processes: ProcessLog, timeout: float) -> list[str]:
    """SIGINT to make's process group, as Ctrl-C sends it (scripts/dev.sh passes it on to `dagster dev`, which
    runs in a group of its own), then wait for every process seen in the tree to end; any still alive after
    `timeout` is killed and returned."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while (left := processes.alive()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for group in processes.groups if left else ():  # also members started between two samples
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    for proc in left:
        with suppress(psutil.NoSuchProcess):
            proc.kill()
    with suppress(subprocess.TimeoutExpired):
        process.wait(5)
    return [f"{proc.pid}: {processes.command(proc)}" for proc in left]

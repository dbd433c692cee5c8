"""Parse sets in bounded worker processes, so that a set that fails for any reason fails only itself.

Each worker parses one set at a time under an address-space limit (RLIMIT_AS) and a wall-clock deadline; a
`MemoryError`, a timeout, a killed or crashed worker, or an unexpected exception in the parser becomes a
`WorkerFailed` (an `AlsParseError` naming the file) for that set alone. Workers are fresh interpreters
(safe under a threaded parent such as Dagster; ~0.2 s to start), reused across sets and calls, and replaced
after a failure or a refused hostile set.

    with IsolatedParser(workers=2) as parser:
        results = parser.parse_many(ParseJob(key, data, file_name) for key, data, file_name in uploads)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from dawa_pipeline.als.container import ParseLimits
from dawa_pipeline.als.errors import AlsParseError, LimitExceeded, WorkerFailed
from dawa_pipeline.als.models import AlsSummary

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MEMORY_MB = 1024  # address space, not resident memory: the budget keeps a parse near 300 MB resident
ParseResult = AlsSummary | AlsParseError


@dataclass(frozen=True)
class ParseJob:
    """One set to parse: `key` is the caller's (a partition key), the rest are `parse_als`'s arguments."""

    key: str
    source: Path | bytes
    file_name: str
    artist_name: str = ""
    project_name: str | None = None


def _serve(jobs: Connection, replies: Connection) -> None:
    """A worker's loop: parse the jobs it is sent and reply with a summary or an error; exit after a
    MemoryError (the heap may be in a bad state), which the parent sees and replaces it."""
    import resource

    limits, memory_bytes = jobs.recv()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from dawa_pipeline.als.parser import parse_als

    while (job := _receive(jobs)) is not None:
        exhausted = False
        try:
            reply: ParseResult = parse_als(
                job.source,
                file_name=job.file_name,
                artist_name=job.artist_name,
                project_name=job.project_name,
                limits=limits,
            )
        except AlsParseError as exc:
            reply = exc
        except MemoryError:
            exhausted = True
            reply = WorkerFailed(job.file_name, f"parsing needs more than {memory_bytes >> 20} MB of memory")
        except Exception as exc:  # a parser bug fails this set, not the batch
            reply = WorkerFailed(job.file_name, f"internal parser error ({type(exc).__name__}: {exc})")
        replies.send(reply)
        if exhausted:
            return


def _receive(jobs: Connection) -> ParseJob | None:
    try:
        return jobs.recv()
    except EOFError:  # the parent is gone
        return None


class _Worker:
    """One worker: a fresh interpreter (`python -m dawa_pipeline.als.isolated`), not a multiprocessing
    child, so the parent's __main__ is never re-imported; jobs and replies travel over two pipes."""

    def __init__(self, limits: ParseLimits, memory_bytes: int) -> None:
        job_read, job_write = os.pipe()
        reply_read, reply_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(job_read), str(reply_write)],
            pass_fds=(job_read, reply_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        os.close(job_read)
        os.close(reply_write)
        self.jobs = Connection(job_write, readable=False)
        self.conn = Connection(reply_read, writable=False)
        self.jobs.send((limits, memory_bytes))
        self.index = -1  # of the job in hand
        self.job: ParseJob | None = None
        self.deadline = 0.0

    def start(self, index: int, job: ParseJob, timeout_s: float) -> None:
        self.index, self.job, self.deadline = index, job, time.monotonic() + timeout_s
        self.jobs.send(job)

    def alive(self) -> bool:
        return self.process.poll() is None

    def finish(self) -> ParseResult | None:
        """The job's reply; None when the worker died without one."""
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return None

    def death(self) -> str:
        try:
            code = self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "the parser process stopped answering while reading this file"
        if code < 0:
            return f"the parser process was killed by {signal.Signals(-code).name} while reading this file"
        return f"the parser process exited (code {code}) while reading this file"

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            self.jobs.close()  # EOF: the worker's loop ends
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for conn in (self.jobs, self.conn):
            conn.close()


class IsolatedParser:
    """A small pool of parse workers, reused across calls; thread-safe (one batch at a time)."""

    def __init__(
        self,
        workers: int = 2,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
        limits: ParseLimits = ParseLimits(),  # noqa: B008 - frozen, so one shared default is safe
    ) -> None:
        if workers < 1 or timeout_s <= 0 or memory_mb < 64:
            raise ValueError("workers >= 1, timeout_s > 0 and memory_mb >= 64 are needed")
        self.workers, self.timeout_s, self.memory_mb, self.limits = workers, timeout_s, memory_mb, limits
        self._pool: list[_Worker] = []
        self._lock = threading.Lock()

    def parse_many(self, jobs: Iterable[ParseJob]) -> dict[str, ParseResult]:
        """Parse every job; a summary or an `AlsParseError` per key, in the jobs' order. `jobs` is read
        lazily (no further ahead than the workers): a generator that downloads each set keeps memory flat."""
        with self._lock:
            keys: list[str] = []
            results: dict[str, ParseResult] = {}
            for index, result in self._run(iter(jobs), keys):
                results[keys[index]] = result
            return {key: results[key] for key in keys}

    def parse_one(self, job: ParseJob) -> AlsSummary:
        """Parse one set in a worker; raises its AlsParseError."""
        result = self.parse_many([job])[job.key]
        if isinstance(result, AlsParseError):
            raise result
        return result

    def _run(self, jobs: Iterator[ParseJob], keys: list[str]) -> Iterator[tuple[int, ParseResult]]:
        """(index in `keys`, result) as the jobs finish; `keys` grows as jobs are handed out."""
        busy: list[_Worker] = []
        seen: set[str] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(busy) < self.workers:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                    elif job.key in seen:
                        raise ValueError(f"duplicate job key {job.key!r}")
                    else:
                        seen.add(job.key)
                        keys.append(job.key)
                        worker = self._idle_worker(busy)
                        worker.start(len(keys) - 1, job, self.timeout_s)
                        busy.append(worker)
                if not busy:
                    return
                timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
                ready = set(wait([worker.conn for worker in busy], timeout=timeout))
                for worker in list(busy):
                    outcome = self._outcome(worker, ready)
                    if outcome is not None:
                        busy.remove(worker)
                        yield outcome
        finally:
            for worker in busy:  # left mid-job (the caller's jobs raised): their replies are stale
                self._retire(worker)

    def _outcome(self, worker: _Worker, ready: set[Any]) -> tuple[int, ParseResult] | None:
        """The worker's finished job, if it finished (replied, died or ran out of time); None while busy."""
        job = worker.job
        assert job is not None
        if worker.conn in ready:  # a reply, or end of file: the worker died
            reply = worker.finish()
            if reply is not None and not isinstance(reply, WorkerFailed | LimitExceeded):
                return worker.index, reply
            error = reply or WorkerFailed(job.file_name, worker.death())
        elif time.monotonic() >= worker.deadline:
            error = WorkerFailed(
                job.file_name, f"parsing took longer than {self.timeout_s:g} s (the limit per set)"
            )
        else:
            return None
        self._retire(worker)  # dead, stuck, or its memory worn by a hostile set: start afresh
        return worker.index, error

    def _idle_worker(self, busy: list[_Worker]) -> _Worker:
        for worker in list(self._pool):
            if worker not in busy:
                if worker.alive():
                    return worker
                self._retire(worker)  # died while idle (the OOM killer, an operator)
        worker = _Worker(self.limits, self.memory_mb << 20)
        self._pool.append(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        if worker in self._pool:
            self._pool.remove(worker)
            worker.stop(kill=True)

    def close(self) -> None:
        with self._lock:
            for worker in self._pool:
                worker.stop()
            self._pool.clear()

    def __enter__(self) -> IsolatedParser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))

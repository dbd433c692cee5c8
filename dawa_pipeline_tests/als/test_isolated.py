"""Isolated parsing: in a batch, a set that fails for any reason (bad input, a flood, running out of memory
or time, a killed worker) fails only itself with an AlsParseError naming the file; the others parse exactly
as in-process, in the jobs' order, and the pool stays usable."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from dawa_pipeline.als import AlsParseError, ParseLimits, parse_als
from dawa_pipeline.als.errors import LimitExceeded, MissingElement, WorkerFailed
from dawa_pipeline.als.isolated import IsolatedParser, ParseJob
from dawa_pipeline.demo.hostile_sets import LIVE_SET_HEAD, element_flood
from dawa_pipeline.demo.live_set.build import build_set
from dawa_pipeline.demo.live_set.spec import SetSpec, Track

_GOOD = build_set(SetSpec(tracks=[Track.midi("Keys"), Track.audio("Drums")]))
_NO_MASTER = LIVE_SET_HEAD + b"<LiveSet><Tracks/></LiveSet></Ableton>"


def _slow_set(tmp_path: Path) -> Path:
    """About 100 MB of plain XML no limit refuses (with `_ROOMY`): seconds of parsing."""
    path = tmp_path / "slow.als"
    path.write_bytes(LIVE_SET_HEAD + b"<LiveSet>" + b"<a/>" * 25_000_000 + b"</LiveSet></Ableton>")
    return path


_ROOMY = ParseLimits(max_elements=10**9, max_held_nodes=10**9)


def _good_jobs(count: int, prefix: str = "good") -> Iterator[ParseJob]:
    return (ParseJob(f"{prefix}-{i}", _GOOD, f"{prefix}-{i}.als", artist_name="A") for i in range(count))


def test_a_batch_keeps_order_and_each_bad_set_fails_alone() -> None:
    flood = element_flood(100_000_000)
    jobs = [
        ParseJob("k1", _GOOD, "one.als", artist_name="A", project_name="P"),
        ParseJob("k2", flood, "flood.als"),
        ParseJob("k3", _NO_MASTER, "nomaster.als"),
        ParseJob("k4", _GOOD, "four.als", artist_name="A", project_name="P"),
    ]
    with IsolatedParser(workers=2) as parser:
        results = parser.parse_many(jobs)
    assert list(results) == ["k1", "k2", "k3", "k4"]
    for key, name in (("k1", "one.als"), ("k4", "four.als")):
        assert results[key] == parse_als(_GOOD, file_name=name, artist_name="A", project_name="P")
    assert isinstance(results["k2"], LimitExceeded) and str(results["k2"]).startswith("flood.als: more than")
    assert isinstance(results["k3"], MissingElement) and results["k3"].file_name == "nomaster.als"


def test_running_out_of_memory_fails_only_that_set(tmp_path: Path) -> None:
    flood = element_flood(60_000_000, b"<a/>", b"<LiveSet><Tracks><MidiTrack>")
    with IsolatedParser(workers=1, memory_mb=300, limits=_ROOMY) as parser:
        results = parser.parse_many([ParseJob("big", flood, "big.als"), *_good_jobs(2)])
    assert isinstance(results["big"], WorkerFailed)
    assert str(results["big"]) == "big.als: parsing needs more than 300 MB of memory"
    assert all(not isinstance(results[f"good-{i}"], AlsParseError) for i in range(2))


def test_a_set_over_the_time_limit_is_stopped_and_the_next_one_parses(tmp_path: Path) -> None:
    slow = _slow_set(tmp_path)
    with IsolatedParser(workers=1, timeout_s=0.5, limits=_ROOMY) as parser:
        started = time.monotonic()
        results = parser.parse_many([ParseJob("slow", slow, "slow.als"), *_good_jobs(1)])
        assert time.monotonic() - started < 30  # the slow parse was cut short, not waited for
    assert str(results["slow"]) == "slow.als: parsing took longer than 0.5 s (the limit per set)"
    assert not isinstance(results["good-0"], AlsParseError)


def _kill_first_worker() -> None:
    """SIGKILL the first parse worker this process starts, once it has work (the OOM killer, an operator)."""
    me = psutil.Process()
    for _ in range(600):
        workers = [p for p in me.children() if "dawa_pipeline.als.isolated" in " ".join(p.cmdline())]
        if workers and workers[0].cpu_times().user > 0.5:
            workers[0].send_signal(signal.SIGKILL)
            return
        time.sleep(0.05)


def test_a_killed_worker_fails_only_its_set_and_is_replaced(tmp_path: Path) -> None:
    slow = _slow_set(tmp_path)
    killer = threading.Thread(target=_kill_first_worker)
    with IsolatedParser(workers=1, limits=_ROOMY) as parser:
        killer.start()
        results = parser.parse_many([ParseJob("slow", slow, "slow.als"), *_good_jobs(2)])
        killer.join()
        again = parser.parse_many(_good_jobs(1, "again"))
    assert (
        str(results["slow"]) == "slow.als: the parser process was killed by SIGKILL while reading this file"
    )
    assert all(
        not isinstance(result, AlsParseError) for result in [*list(results.values())[1:], *again.values()]
    )


def test_a_failing_job_source_leaves_the_pool_usable() -> None:
    def jobs() -> Iterator[ParseJob]:
        yield from _good_jobs(2)
        raise OSError("download failed")

    with IsolatedParser(workers=2) as parser:
        with pytest.raises(OSError, match="download failed"):
            parser.parse_many(jobs())
        with pytest.raises(ValueError, match="duplicate job key 'good-0'"):
            parser.parse_many([*_good_jobs(1), *_good_jobs(1)])
        results = parser.parse_many(_good_jobs(3))
        assert parser.parse_one(ParseJob("one", _GOOD, "one.als", artist_name="A")).artist_name == "A"
        with pytest.raises(MissingElement, match=r"nomaster\.als"):
            parser.parse_one(ParseJob("bad", _NO_MASTER, "nomaster.als"))
    assert [summary.source.file_name for summary in results.values()] == [
        "good-0.als",
        "good-1.als",
        "good-2.als",
    ]

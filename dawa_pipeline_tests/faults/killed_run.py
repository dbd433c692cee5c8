"""A real run in a process of its own that SIGKILLs itself (or pauses) at a chosen point: the state a kill -9
leaves, made on purpose. The child wraps one function of the pipeline (no hook exists in the pipeline's
code), materializes the asset over the test's database and storage folder with a temporary Dagster
instance, and dies with SIGKILL the moment that point is reached.

    python killed_run.py SPEC_JSON      (SPEC_JSON: see `RunSpec`)

The parent side is `run_child`.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

HERE = Path(__file__).resolve().parent
CHILD_TIMEOUT = 120.0
PAUSE_LIMIT = 60.0

# Points a run can be stopped at, in the order a dataset build passes them.
DATASET_STEPS = ("zip-built", "build-recorded", "zip-storing", "zip-stored", "items-exported")
EXPORT_STEP = "summary-storing"
# Points in a parse run: half of the batch handed to the parse workers; the summaries committed, before the
# run reports them.
PARSE_STEPS = ("parse-midway", "summaries-stored")


@dataclass(frozen=True)
class RunSpec:
    database_url: str
    storage_root: str
    asset: str
    partitions: list[str]  # one key, or the first and last of a range (one run over the range)
    partitions_def: str  # the dynamic partitions' name, registered in the child's instance
    stop_at: str | None = None  # a DATASET_STEPS, EXPORT_STEP or PARSE_STEPS point; None runs to the end
    pause_in: str | None = None  # stop by pausing instead: touch {pause_in}/paused, wait for {pause_in}/go
    more_assets: list[str] = field(default_factory=list)  # materialized in the same run as `asset`
    known_partitions: list[str] = field(default_factory=list)  # every key of a range (default: `partitions`)


def run_child(spec: RunSpec, temp_dir: Path) -> tuple[int, dict[str, Any]]:
    """Run `spec` in a child process with `temp_dir` as its temp directory; its exit code (-9 when it killed
    itself) and what it reported about its run (empty when killed)."""
    proc = start_child(spec, temp_dir)
    out, err = proc.communicate(timeout=CHILD_TIMEOUT)
    return proc.returncode, _report(proc.returncode, out, err)


def start_child(spec: RunSpec, temp_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(temp_dir), "PYTHONPATH": str(HERE.parent)}
    return subprocess.Popen(
        [sys.executable, str(HERE / "killed_run.py"), json.dumps(asdict(spec))],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_child(proc: subprocess.Popen[str]) -> tuple[int, dict[str, Any]]:
    out, err = proc.communicate(timeout=CHILD_TIMEOUT)
    return proc.returncode, _report(proc.returncode, out, err)


def _report(returncode: int, out: str, err: str) -> dict[str, Any]:
    if returncode == -signal.SIGKILL:
        return {}
    lines = out.strip().splitlines()
    if returncode != 0 or not lines:
        raise AssertionError(f"child run ended with {returncode}:\n{err[-4000:]}")
    return json.loads(lines[-1])


# --- the child ---------------------------------------------------------------------------------------------


def _stop(spec: RunSpec) -> None:
    if spec.pause_in is None:
        os.kill(os.getpid(), signal.SIGKILL)
    folder = Path(spec.pause_in)
    (folder / "paused").touch()
    deadline = time.monotonic() + PAUSE_LIMIT
    while not (folder / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _after(spec: RunSpec, function: Callable[..., Any]) -> Callable[..., Any]:
    def then_stop(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        _stop(spec)
        return result

    return then_stop


def _before(spec: RunSpec, function: Callable[..., Any]) -> Callable[..., Any]:
    def stop_then(*args: Any, **kwargs: Any) -> Any:
        _stop(spec)
        return function(*args, **kwargs)

    return stop_then


def midway(jobs: Callable[..., Iterator[Any]], then: Callable[[], object]) -> Callable[..., Iterator[Any]]:
    """`jobs` (the ingest asset's `_parse_jobs`) calling `then` once half of the batch is handed to the parse
    workers."""

    def half_then(keys: Sequence[str], *args: Any) -> Iterator[Any]:
        for index, job in enumerate(jobs(keys, *args)):
            if index == len(keys) // 2:
                then()
            yield job

    return half_then


def _in_storage_write(
    spec: RunSpec, write_file_atomically: Callable[..., None], file_suffix: str, *, half: bool
):
    """`write_file_atomically` stopping in (half of the bytes written) or right after writing a storage
    object whose name ends with `file_suffix`."""
    root = Path(spec.storage_root).resolve()

    def writing(target: Path, write: Callable[[BinaryIO], None]) -> None:
        if not (target.is_relative_to(root) and target.name.endswith(file_suffix)):
            return write_file_atomically(target, write)
        if not half:
            write_file_atomically(target, write)
            return _stop(spec)

        def half_then_stop(temp_file: BinaryIO) -> None:
            whole = io.BytesIO()
            write(whole)
            temp_file.write(whole.getvalue()[: len(whole.getvalue()) // 2])
            temp_file.flush()
            os.fsync(temp_file.fileno())
            _stop(spec)

        write_file_atomically(target, half_then_stop)

    return writing


def _install_stop(spec: RunSpec) -> None:
    from dawa_pipeline.db import dataset_builds
    from dawa_pipeline.defs.ingest import assets as ingest
    from dawa_pipeline.defs.training import datasets
    from dawa_pipeline.storage import local

    real_write = local.write_file_atomically
    stops: dict[str, Callable[[], None]] = {
        "zip-built": lambda: setattr(datasets, "write_dataset_zip", _after(spec, datasets.write_dataset_zip)),
        "build-recorded": lambda: setattr(
            dataset_builds, "record_build", _after(spec, dataset_builds.record_build)
        ),
        "zip-storing": lambda: setattr(
            local, "write_file_atomically", _in_storage_write(spec, real_write, ".zip", half=True)
        ),
        "zip-stored": lambda: setattr(
            local, "write_file_atomically", _in_storage_write(spec, real_write, ".zip", half=False)
        ),
        # After the transaction that exports the items has committed, before the run reports.
        "items-exported": lambda: setattr(
            datasets, "_materialization", _after(spec, datasets._materialization)
        ),
        EXPORT_STEP: lambda: setattr(
            local, "write_file_atomically", _in_storage_write(spec, real_write, "summary.json", half=True)
        ),
        "parse-midway": lambda: setattr(
            ingest, "_parse_jobs", midway(ingest._parse_jobs, lambda: _stop(spec))
        ),
        "summaries-stored": lambda: setattr(ingest, "report_batch", _before(spec, ingest.report_batch)),
    }
    if spec.stop_at is not None:
        stops[spec.stop_at]()


def main(spec: RunSpec) -> None:
    import dagster as dg
    from pipeline_env import PipelineEnv

    _install_stop(spec)
    with dg.instance_for_test() as instance:
        known = spec.known_partitions or sorted(set(spec.partitions))
        instance.add_dynamic_partitions(spec.partitions_def, known)
        env = PipelineEnv(spec.database_url, Path(spec.storage_root), instance)
        assets = [spec.asset, *spec.more_assets]
        if len(spec.partitions) == 1:
            result = env.materialize(assets, spec.partitions[0], raise_on_error=False)
        else:
            first, last = spec.partitions
            result = env.materialize_range(
                dg.AssetSelection.assets(*assets), first, last, raise_on_error=False
            )
        failures = [e.event_specific_data.error.message for e in result.get_step_failure_events()]
        print(json.dumps({"success": result.success, "failures": failures}))


if __name__ == "__main__":
    main(RunSpec(**json.loads(sys.argv[1])))

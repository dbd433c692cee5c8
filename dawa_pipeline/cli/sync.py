"""`dawa sync [--timeout S]`: everything the daemon would do for what is pending now, in this process:
upload ticks and their parse runs, profile refreshes, training audio and prompts. For cron, CI, notebooks."""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from dawa_pipeline.cli import UsageError

CURSORS_FILE = "dawa-sync-cursors.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync", help="do now, in this process, what the daemon would do for pending uploads and audio"
    )
    parser.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="stop starting new runs after S seconds"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    import dagster as dg

    from dawa_pipeline.cli.dagster_env import prepared_dagster_home

    # The user cannot act on Dagster's notices about beta parameters the pipeline uses.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    home = prepared_dagster_home()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        cursors_path = home / CURSORS_FILE
        cursors = _read_cursors(cursors_path)
        outcomes: list[Any] = []
        try:
            outcomes = sync(instance, cursors, timeout=args.timeout, out=sys.stdout)
        except TimeoutError as exc:
            print(f"error: --timeout {args.timeout:g} s reached with work pending ({exc})", file=sys.stderr)
            return 1
        finally:
            cursors_path.write_text(json.dumps(cursors))
    failed = [o for o in outcomes if not o.success]
    print(f"sync: {len(outcomes)} runs, {len(outcomes) - len(failed)} succeeded, {len(failed)} failed")
    return 1 if failed else 0


def sync(
    instance: Any, cursors: dict[str, str | None], *, timeout: float | None = None, out: Any = sys.stdout
) -> list[Any]:
    """Drain the sensors in pipeline order (uploads, then audio, then profiles, until none has work); after a
    parse run with bad sets, export the good ones as the automation sensor would. Returns every run's
    outcome; TimeoutError when work is still pending at the deadline."""
    from dawa_pipeline.cli.inprocess import Runner, RunOutcome
    from dawa_pipeline.definitions import defs
    from dawa_pipeline.defs.ingest.sensors import als_upload_sensor, export_requests
    from dawa_pipeline.defs.profile.automation import artist_refresh_sensor
    from dawa_pipeline.defs.resources import build_resources
    from dawa_pipeline.defs.training.sensors import training_audio_sensor

    def report(outcome: RunOutcome) -> None:
        status = "ok" if outcome.success else "FAILED"
        print(f"{outcome.sensor}: {outcome.partitions}: {status} ({outcome.seconds:.1f} s)", file=out)
        for key, reason in outcome.failed.items():
            print(f"  {key}: {reason}", file=out)

    location = defs()
    runner = Runner(
        instance=instance,
        definitions=[*location.assets, *location.asset_checks],
        resources=build_resources(),
        cursors=cursors,
        report=report,
    )
    deadline = time.monotonic() + timeout if timeout is not None else None
    while True:
        seen = len(runner.outcomes)
        runs = runner.drain(als_upload_sensor, deadline)
        for outcome in runner.outcomes[seen:]:
            if outcome.sensor == als_upload_sensor.name and outcome.failed:
                for request in export_requests(instance, outcome.request, outcome.failed):
                    runner.execute(request, als_upload_sensor.name)
                    runs += 1
        runs += runner.drain(training_audio_sensor, deadline)
        runs += runner.drain(artist_refresh_sensor, deadline)
        if not runs:
            return runner.outcomes


def _read_cursors(path: Path) -> dict[str, str | None]:
    """The sensors' cursors from the last sync (each sync goes on from where the last one stopped)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if v is None or isinstance(v, str)}

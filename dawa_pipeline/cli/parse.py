"""`dawa parse`: print a Live Set's summary JSON, or JSON lines for every set under a folder.

Bad input is one `error: <file>: <problem>` line on stderr and exit code 2, never a traceback. Only the
parser is imported here; the timeline renderer (matplotlib) is imported when --timeline asks for it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from dawa_pipeline.als.errors import AlsParseError
from dawa_pipeline.als.parser import parse_als
from dawa_pipeline.cli.progress import progress
from dawa_pipeline.cli.terminal import shown

EXIT_BAD_INPUT = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="parse a Live Set (.als) into its summary JSON",
        description="Print the summary JSON of FILE.als, or one JSON line per .als under a folder.",
    )
    parser.add_argument("path", type=Path, metavar="FILE.als|DIR")
    parser.add_argument("--artist", default="", help="artist name stored in the summary")
    parser.add_argument("--timeline", type=Path, metavar="OUT.png", help="also render the timeline picture")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.path.is_dir():
        if args.timeline is not None:
            print("error: --timeline needs a single .als file, not a folder", file=sys.stderr)
            return EXIT_BAD_INPUT
        return parse_folder(args.path, args.artist, sys.stdout, sys.stderr)
    return parse_file(args.path, args.artist, args.timeline)


def parse_file(path: Path, artist: str, timeline: Path | None) -> int:
    try:
        summary = parse_als(path, artist_name=artist)
    except AlsParseError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if timeline is not None:
        from dawa_pipeline.als.timeline import render_timeline

        try:
            timeline.write_bytes(render_timeline(summary))
        except OSError as exc:
            problem = f"{timeline}: cannot write the timeline ({exc.strerror or exc})"
            print(f"error: {shown(problem)}", file=sys.stderr)
            return EXIT_BAD_INPUT
    sys.stdout.write(summary.model_dump_json(indent=2) + "\n")
    return 0


def parse_folder(folder: Path, artist: str, out: TextIO, err: TextIO) -> int:
    """Every .als under `folder` (recursively, sorted) as JSON lines; failures reported, never fatal."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".als" and p.is_file())
    failed = 0
    for path in progress(files, len(files), "parse", stream=err):
        label = str(path.relative_to(folder))
        try:
            summary = parse_als(path, artist_name=artist)
        except AlsParseError as exc:
            failed += 1
            clear_bar = "\r\x1b[K" if err.isatty() else ""
            err.write(f"{clear_bar}error: {shown(label)}: {shown(exc.problem)}\n")
        else:
            out.write(summary.model_dump_json() + "\n")
    err.write(f"{len(files) - failed} ok, {failed} failed\n")
    return 0 if failed == 0 else EXIT_BAD_INPUT

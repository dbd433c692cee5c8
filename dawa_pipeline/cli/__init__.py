"""The `dawa` command. Each subcommand lives in its own module and imports heavy packages lazily,
so `dawa parse` starts without loading Dagster, pandas or matplotlib."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from dawa_pipeline.cli.terminal import shown

# Subcommand modules, each exposing `register(subparsers)`; handlers set `func` on their parser.
COMMAND_MODULES = ("parse", "db", "upload", "sync", "profile", "training", "demo", "dagster_env")


class UsageError(Exception):
    """A user mistake the CLI reports as one `error:` line with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dawa",
        description="DAWA: Ableton Live Sets to DAW fingerprints, artist profiles and MusicGen datasets.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"dawa_pipeline.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"error: {shown(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if not _explained(exc):
            raise
        print(f"error: {shown(' '.join(str(exc).split()))}", file=sys.stderr)  # libpq messages span lines
        return 2


def _explained(exc: Exception) -> bool:
    """Whether `exc` is a failure DAWA explains in one line (database, storage, bad input), not a bug."""
    import psycopg

    from dawa_pipeline.als.errors import AlsParseError
    from dawa_pipeline.db import DatabaseError
    from dawa_pipeline.storage.backend import StorageConfigError, StorageError
    from dawa_pipeline.storage.layout import InvalidArtistName

    explained = (DatabaseError, StorageError, StorageConfigError, AlsParseError, InvalidArtistName)
    return isinstance(exc, (*explained, psycopg.OperationalError))


if __name__ == "__main__":
    sys.exit(main())

"""`dawa upload --artist NAME PATH...`: put Live Sets where the upload sensor finds them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dawa_pipeline.cli import UsageError
from dawa_pipeline.cli.terminal import shown


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("upload", help="upload .als files or folders for an artist")
    parser.add_argument("--artist", required=True, help="artist name (created with its slug if new)")
    parser.add_argument("paths", nargs="+", type=Path, help=".als files or folders holding them")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dawa_pipeline.cli.progress import progress
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect, database_url
    from dawa_pipeline.settings import load_settings
    from dawa_pipeline.storage import storage_from_settings
    from dawa_pipeline.storage.layout import InvalidArtistName, check_artist_name, slugify
    from dawa_pipeline.storage.uploads import (
        NotUploadable,
        UploadOutcome,
        find_sets,
        upload_sets,
        upload_target,
    )

    try:
        check_artist_name(args.artist)
        files = find_sets(args.paths)
        for local in files:  # refuse unusable names before the artist is created or anything is stored
            upload_target(slugify(args.artist), local)
    except (FileNotFoundError, NotUploadable, InvalidArtistName) as exc:
        raise UsageError(str(exc)) from None
    if not files:
        raise UsageError(f"no .als files under {', '.join(map(str, args.paths))}")
    settings = load_settings()
    with connect(database_url(settings)) as conn:
        artist = ensure_artist(conn, args.artist)
        conn.commit()
    backend = storage_from_settings(settings)
    counts = dict.fromkeys(UploadOutcome, 0)
    for result in progress(
        upload_sets(backend, artist.slug, files), len(files), f"uploading for {shown(artist.name)}"
    ):
        counts[result.outcome] += 1
        print(f"{result.outcome.value}: {shown(result.local_path)} -> {shown(result.storage_path)}")
    summary = ", ".join(f"{n} {o.name.lower()}" for o, n in counts.items())
    print(f"{shown(artist.name)} ({artist.slug}): {summary}", file=sys.stderr)
    return 0

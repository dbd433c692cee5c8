"""`dawa profile export ARTIST` and `dawa profile import ARTIST FILE`: edit the hand-written parts of an
artist's master schema as a JSON file, while the pipeline keeps owning the computed parts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dawa_pipeline.cli import UsageError
from dawa_pipeline.cli.terminal import shown

if TYPE_CHECKING:
    import psycopg

    from dawa_pipeline.db.artists import Artist


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("profile", help="export or import an artist's master schema (JSON)")
    actions = parser.add_subparsers(dest="profile_command", required=True)
    export = actions.add_parser("export", help="print the stored master schema JSON")
    export.add_argument("artist", help="artist name or slug")
    export.set_defaults(func=run_export)
    imported = actions.add_parser(
        "import", help="validate a master schema JSON file, show the changes, store its hand-written parts"
    )
    imported.add_argument("artist", help="artist name or slug")
    imported.add_argument("file", type=Path, help="master schema JSON (as `dawa profile export` prints it)")
    imported.set_defaults(func=run_import)


def _find_artist(conn: psycopg.Connection[Any], name_or_slug: str) -> Artist:
    from dawa_pipeline.db.artists import get_artist

    artist = get_artist(conn, name=name_or_slug) or get_artist(conn, slug=name_or_slug)
    if artist is None:
        raise UsageError(f"no artist named {name_or_slug!r} (or with that slug)")
    return artist


def run_export(args: argparse.Namespace) -> int:
    from dawa_pipeline.cli.db import database_errors_as_usage
    from dawa_pipeline.db.connection import connect, database_url
    from dawa_pipeline.db.profiles import get_profile

    with database_errors_as_usage(), connect(database_url()) as conn:
        artist = _find_artist(conn, args.artist)
        stored = get_profile(conn, artist.id)
    if stored is None:
        raise UsageError(f"{artist.name} has no profile yet; refresh it (artist_master_schema) or import one")
    print(json.dumps(stored.master_schema, indent=2, ensure_ascii=False))
    return 0


def _read_document(path: Path) -> dict[str, Any]:
    """The file's JSON object, checked for what Postgres cannot store before anything is written."""
    from dawa_pipeline.profile import MasterSchemaError
    from dawa_pipeline.profile.json_input import MAX_DOCUMENT_BYTES, load_json_document

    try:
        with path.open("rb") as file:
            data = file.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return load_json_document(data)
    except MasterSchemaError as exc:
        raise UsageError(f"{path}: {exc}") from None


def run_import(args: argparse.Namespace) -> int:
    from dawa_pipeline.cli.db import database_errors_as_usage
    from dawa_pipeline.db.connection import connect, database_url
    from dawa_pipeline.db.profiles import ProfileConflict, ProfileWrite, get_profile, write_master_schema
    from dawa_pipeline.profile import (
        MasterSchemaError,
        merge_hand_written,
        skeleton_master_schema,
        validate_master_schema,
    )

    incoming = _read_document(args.file)
    with database_errors_as_usage(), connect(database_url()) as conn:
        artist = _find_artist(conn, args.artist)
        stored = get_profile(conn, artist.id)
        current = (stored.master_schema if stored else None) or skeleton_master_schema(
            artist.name, str(artist.id)
        )
        try:
            merged = merge_hand_written(current, incoming)
        except MasterSchemaError as exc:
            raise UsageError(f"{args.file}: {exc}") from None
        problems = validate_master_schema(merged.master_schema)
        if problems:
            for problem in problems:
                print(f"error: {shown(f'{args.file}: {problem.path}: {problem.message}')}", file=sys.stderr)
            return 2
        if stored is not None and stored.master_schema == merged.master_schema:
            print(f"{shown(artist.name)}: no changes")
            return 0
        for line in merged.changes:
            print(shown(line))
        write = ProfileWrite(
            artist_id=artist.id,
            artist_name=artist.name,
            master_schema=merged.master_schema,
            expected=stored.master_schema if stored else None,
            changed=True,
        )
        try:
            write_master_schema(conn, write)
        except ProfileConflict as exc:
            raise UsageError(f"{exc}; run the import again") from None
        conn.commit()
    print(f"{shown(artist.name)}: profile stored ({len(merged.changes)} changes)", file=sys.stderr)
    return 0

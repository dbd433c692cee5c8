"""`dawa training add --artist NAME AUDIO [--set FILE.als]`: give a training item its audio by hand.

With --set the item of that (already parsed) set gets the audio, created if the set has none yet; without it
a new item without a set is made (one per distinct audio file). The audio is checked here first, so a file
the pipeline would reject never gets uploaded.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dawa_pipeline.cli import UsageError
from dawa_pipeline.cli.terminal import shown

if TYPE_CHECKING:
    import psycopg

    from dawa_pipeline.db.artists import Artist
    from dawa_pipeline.db.training_items import TrainingItem

REQUIRED_FORMAT = "MP3"  # the seed stores training audio as audio.mp3


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("training", help="MusicGen training items")
    actions = parser.add_subparsers(dest="training_command", required=True)
    add = actions.add_parser("add", help="add rendered audio (MP3) of a set as a training item")
    add.add_argument("--artist", required=True, help="artist name (created with its slug if new)")
    add.add_argument("audio", type=Path, help="the rendered audio, an MP3 file")
    add.add_argument(
        "--set",
        dest="set_file",
        metavar="FILE.als",
        help="the parsed Live Set the audio is a render of (a path inside its '<Name> Project' folder "
        "tells sets of the same file name apart)",
    )
    add.set_defaults(func=run_add)


def run_add(args: argparse.Namespace) -> int:
    from dawa_pipeline.db import training_items
    from dawa_pipeline.db.artists import ensure_artist
    from dawa_pipeline.db.connection import connect, database_url
    from dawa_pipeline.settings import load_settings
    from dawa_pipeline.storage import layout, storage_from_settings
    from dawa_pipeline.training.audio import AudioRejected, inspect_audio

    audio: Path = args.audio
    try:
        data = audio.read_bytes()
    except OSError as exc:
        raise UsageError(f"{audio}: {exc.strerror or exc}") from None
    try:
        info = inspect_audio(data, str(audio))
    except AudioRejected as rejected:
        raise UsageError(rejected.reason) from None
    if info.format != REQUIRED_FORMAT:
        raise UsageError(
            f"{audio}: training audio is stored as audio.mp3; export it as MP3 (not {info.format})"
        )

    settings = load_settings()
    with connect(database_url(settings)) as conn:
        artist = ensure_artist(conn, args.artist)
        item = _target_item(conn, artist, args.set_file, data)
        if item.status not in training_items.AUDIO_ACCEPTED_FROM:
            raise UsageError(f"training item {item.id} is {item.status}: its audio can no longer be replaced")
        conn.commit()
        path = layout.training_audio_path(artist.slug, item.id)
        storage_from_settings(settings).put(path, data, "audio/mpeg")
        try:
            item = training_items.record_audio(
                conn, item.id, audio_path=path, duration_seconds=info.duration, sample_rate=info.sample_rate
            )
        except training_items.TransitionRefused as exc:  # the item moved on since the check above
            raise UsageError(str(exc)) from None
        conn.commit()
    what = f"{item.project_name}/{item.als_filename}" if item.als_filename else "no set"
    print(
        f"training item {item.id} ({shown(what)}): {item.status}, {info.duration:.1f} s at "
        f"{info.sample_rate} Hz -> {shown(path)}"
    )
    return 0


def _target_item(
    conn: psycopg.Connection[Any], artist: Artist, set_file: str | None, data: bytes
) -> TrainingItem:
    from dawa_pipeline.db import training_items

    if set_file is not None:
        return _set_item(conn, artist, Path(set_file))
    parse_id = f"manual-{hashlib.sha256(data).hexdigest()[:16]}"
    existing = training_items.find_by_parse_id(conn, artist.id, parse_id)
    return existing or training_items.create_item(conn, artist.id, parse_id=parse_id)


def _set_item(conn: psycopg.Connection[Any], artist: Artist, set_file: Path) -> TrainingItem:
    """The item of the artist's parsed set named like `set_file`, created if the set has none yet."""
    from dawa_pipeline.als import project_name_of
    from dawa_pipeline.db import summaries, training_items

    candidates = [s for s in summaries.latest_for_artist(conn, artist.id) if s.als_filename == set_file.name]
    if len(candidates) > 1:
        project = project_name_of(set_file.parent.name)
        candidates = [s for s in candidates if s.project_name == project] or candidates
    if not candidates:
        raise UsageError(
            f"{artist.name} has no parsed set named {set_file.name!r}; upload it with `dawa upload` and let "
            "it parse first"
        )
    if len(candidates) > 1:
        projects = ", ".join(sorted(str(s.project_name) for s in candidates))
        raise UsageError(
            f"{set_file.name!r} is in several projects of {artist.name} ({projects}); give its path inside "
            "the '<Name> Project' folder"
        )
    (item,) = training_items.ensure_items_for_summaries(conn, candidates)
    return item

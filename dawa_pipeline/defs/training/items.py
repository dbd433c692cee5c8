"""What the training assets and check read about an artist: the items in some statuses, their sets'
summaries, the master schema, and the one list of names kept out of captions (`names_to_keep_out`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import dagster as dg
import psycopg
from pydantic import ValidationError

from dawa_pipeline.als import AlsSummary
from dawa_pipeline.db import artists, profiles, summaries, training_items
from dawa_pipeline.db.artists import Artist
from dawa_pipeline.db.training_items import TrainingItem
from dawa_pipeline.defs.resources import DatabaseResource
from dawa_pipeline.storage import layout
from dawa_pipeline.training.captions import forbidden_names

CAPTION_JSON = "caption.json"
"""The caption's tags beside prompt.txt (the seed keeps only the text), read back for the dataset sidecars."""


def caption_path(artist_slug: str, item_id: object) -> str:
    return layout.training_item_dir(artist_slug, str(item_id)) + CAPTION_JSON


def artist_by_slug(conn: psycopg.Connection, slug: str) -> Artist:
    artist = artists.get_artist(conn, slug=slug)
    if artist is None:
        raise dg.Failure(f"no artist with slug {slug!r}")
    return artist


def master_schema_of(conn: psycopg.Connection, artist_id: UUID) -> dict[str, Any]:
    """The artist's master schema; `{}` before the first profile refresh (captions then use the set alone)."""
    profile = profiles.get_profile(conn, artist_id)
    return profile.master_schema if profile is not None else {}


@dataclass(frozen=True)
class KeptOutNames:
    """The names no caption of an artist may carry, and the summary rows they could not all be read from."""

    names: list[str]
    unreadable: list[str]


def names_to_keep_out(
    conn: psycopg.Connection, artist: Artist, master_schema: Mapping[str, Any]
) -> KeptOutNames:
    """One list for writing captions, building the zip and checking it, so a caption that passes one passes
    all: the artist's current name (older summaries hold the name before a rename), the master schema's
    names and every current set's artist. A row this parser cannot read (written by hand in the web app, or
    by a newer parser) still gives its `artist_name` when it has one, and is named in `unreadable`."""
    names = [artist.name]
    unreadable: list[str] = []
    for stored in summaries.latest_for_artist(conn, artist.id):
        try:
            names += forbidden_names(AlsSummary.model_validate(stored.summary), master_schema)
        except ValidationError as error:
            unreadable.append(
                f"summary row {stored.id} (parse {stored.parse_id}, {stored.als_filename}) is not a summary "
                f"this parser reads, so the names in it may not all be kept out: {error.error_count()} "
                f"problems, first {_first_problem(error)}"
            )
            raw = stored.summary.get("artist_name") if isinstance(stored.summary, Mapping) else None
            names += [raw] if isinstance(raw, str) and raw.strip() else []
    return KeptOutNames(list(dict.fromkeys(names)), unreadable)


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(str(part) for part in first['loc']) or '(root)'}: {first['msg']}"


@dataclass(frozen=True)
class ArtistItems:
    """An artist's items in some statuses, with what captions and datasets are made from: the summary JSON
    of each item's set (by item id; validated where it is used), the artist's master schema and the names
    kept out of its captions."""

    artist: Artist
    items: list[TrainingItem]
    summaries: dict[UUID, dict[str, Any]]
    master_schema: dict[str, Any]
    kept_out: KeptOutNames


def load_items(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    slug: str,
    statuses: Sequence[training_items.Status],
) -> ArtistItems:
    with database.transaction() as conn:
        artist = artist_by_slug(conn, slug)
        items = training_items.items_with_status(conn, artist.id, statuses)
        linked = training_items.linked_summaries(conn, items)
        master_schema = master_schema_of(conn, artist.id)
        kept_out = names_to_keep_out(conn, artist, master_schema)
    for problem in kept_out.unreadable:
        context.log.warning(f"{slug}: {problem}")
    return ArtistItems(artist, items, linked, master_schema, kept_out)

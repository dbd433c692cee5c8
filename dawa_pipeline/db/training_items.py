"""The SQL of `training_items`: one item per set, its guarded status transitions, and the per-artist queues.

Lifecycle (seed statuses): needs_audio -> needs_prompt -> ready -> exported, and needs_audio | needs_prompt ->
failed with `failure_reason`. New audio for a failed item (a fixed re-render) puts it back in the queue, and
recording the same audio twice is harmless, so a sensor tick that is retried changes nothing.

A set is identified by (artist, project_name, als_filename): a re-parse of the same set gets a new parse_id
and summary row, and the set's item follows it instead of a second item being created.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args
from uuid import UUID

import psycopg
from psycopg.rows import class_row

from dawa_pipeline.db.summaries import StoredSummary

Status = Literal["needs_audio", "needs_prompt", "ready", "exported", "failed"]
STATUSES: tuple[Status, ...] = get_args(Status)

# Where each transition may start from.
AUDIO_ACCEPTED_FROM: tuple[Status, ...] = ("needs_audio", "needs_prompt", "failed")
PROMPT_ACCEPTED_FROM: tuple[Status, ...] = ("needs_prompt",)
FAILABLE_FROM: tuple[Status, ...] = ("needs_audio", "needs_prompt", "failed")
EXPORTABLE_FROM: tuple[Status, ...] = ("ready", "exported")


@dataclass(frozen=True)
class TrainingItem:
    id: UUID
    artist_id: UUID
    als_summary_id: UUID | None
    parse_id: str
    als_filename: str | None
    project_name: str | None
    audio_path: str | None
    prompt_path: str | None
    prompt_text: str | None
    status: Status
    system_prompt_version: str | None
    model_name: str | None
    generated_at: datetime | None
    failure_reason: str | None
    audio_duration_seconds: float | None
    audio_sample_rate: int | None
    created_at: datetime
    updated_at: datetime


class TrainingItemNotFound(LookupError):
    """No training item with that id is visible to the connection."""


class TransitionRefused(ValueError):
    """The item is not in a status the requested transition may start from."""

    def __init__(self, item: TrainingItem, transition: str, allowed: Collection[str]) -> None:
        super().__init__(
            f"training item {item.id} is {item.status}; {transition} needs one of {', '.join(allowed)}"
        )
        self.item = item


_COLUMNS = (
    "id, artist_id, als_summary_id, parse_id, als_filename, project_name, audio_path, prompt_path, "
    "prompt_text, status, system_prompt_version, model_name, generated_at, failure_reason, "
    "audio_duration_seconds, audio_sample_rate, created_at, updated_at"
)


def ensure_items_for_summaries(
    conn: psycopg.Connection[Any], stored: Sequence[StoredSummary]
) -> list[TrainingItem]:
    """The item of each summary's set, created as needs_audio when the set has none, else linked to this
    parse. Call it in the transaction that upserts the summaries; returns the items in input order."""
    items: list[TrainingItem] = []
    with conn.transaction():
        for artist_id in sorted({s.artist_id for s in stored if s.artist_id is not None}):
            _lock_artist(conn, artist_id)
        for summary in stored:
            if summary.artist_id is None:
                continue
            existing = find_set_item(conn, summary.artist_id, summary.project_name, summary.als_filename)
            if existing is None:
                items.append(
                    create_item(
                        conn,
                        summary.artist_id,
                        parse_id=summary.parse_id,
                        als_summary_id=summary.id,
                        als_filename=summary.als_filename,
                        project_name=summary.project_name,
                    )
                )
            else:
                items.append(link_summary(conn, existing.id, summary))
    return items


def create_item(
    conn: psycopg.Connection[Any],
    artist_id: UUID,
    *,
    parse_id: str,
    als_summary_id: UUID | None = None,
    als_filename: str | None = None,
    project_name: str | None = None,
) -> TrainingItem:
    """A new needs_audio item."""
    return _one(
        conn,
        f"""
        INSERT INTO public.training_items (artist_id, als_summary_id, parse_id, als_filename, project_name)
        VALUES (%s, %s, %s, %s, %s) RETURNING {_COLUMNS}
        """,
        (artist_id, als_summary_id, parse_id, als_filename, project_name),
    )


def link_summary(conn: psycopg.Connection[Any], item_id: UUID, summary: StoredSummary) -> TrainingItem:
    """Point the item at `summary` (the newest parse of its set); an unchanged link is not rewritten."""
    updated = _optional(
        conn,
        f"""
        UPDATE public.training_items
        SET als_summary_id = %s, parse_id = %s, als_filename = %s, project_name = %s
        WHERE id = %s AND (als_summary_id IS DISTINCT FROM %s OR parse_id <> %s)
        RETURNING {_COLUMNS}
        """,
        (
            summary.id,
            summary.parse_id,
            summary.als_filename,
            summary.project_name,
            item_id,
            summary.id,
            summary.parse_id,
        ),
    )
    return updated or get_item(conn, item_id)


def get_item(conn: psycopg.Connection[Any], item_id: UUID) -> TrainingItem:
    item = find_item(conn, item_id)
    if item is None:
        raise TrainingItemNotFound(f"no training item {item_id}")
    return item


def find_item(conn: psycopg.Connection[Any], item_id: UUID) -> TrainingItem | None:
    return _optional(conn, f"SELECT {_COLUMNS} FROM public.training_items WHERE id = %s", (item_id,))


def find_set_item(
    conn: psycopg.Connection[Any], artist_id: UUID, project_name: str | None, als_filename: str
) -> TrainingItem | None:
    """The item of one set of the artist (the oldest, should hand-made duplicates exist), or None."""
    return _optional(
        conn,
        f"""
        SELECT {_COLUMNS} FROM public.training_items
        WHERE artist_id = %s AND project_name IS NOT DISTINCT FROM %s AND als_filename = %s
        ORDER BY created_at, id LIMIT 1
        """,
        (artist_id, project_name, als_filename),
    )


def find_by_parse_id(conn: psycopg.Connection[Any], artist_id: UUID, parse_id: str) -> TrainingItem | None:
    return _optional(
        conn,
        f"""
        SELECT {_COLUMNS} FROM public.training_items WHERE artist_id = %s AND parse_id = %s
        ORDER BY created_at, id LIMIT 1
        """,
        (artist_id, parse_id),
    )


def claim_for_prompt(conn: psycopg.Connection[Any], item_id: UUID) -> TrainingItem | None:
    """The item, locked until the transaction ends, if it still needs a prompt and no other transaction
    holds it; else None. Overlapping prompt runs thus never caption one item twice or overwrite each other's
    prompt files."""
    return _optional(
        conn,
        f"""
        SELECT {_COLUMNS} FROM public.training_items
        WHERE id = %s AND status = ANY(%s) FOR UPDATE SKIP LOCKED
        """,
        (item_id, list(PROMPT_ACCEPTED_FROM)),
    )


def ids_awaiting_audio(conn: psycopg.Connection[Any]) -> set[UUID]:
    """Every item, of any artist, still waiting for its audio (status needs_audio)."""
    rows = conn.execute("SELECT id FROM public.training_items WHERE status = 'needs_audio'").fetchall()
    return {row[0] for row in rows}


def items_with_status(
    conn: psycopg.Connection[Any], artist_id: UUID, statuses: Status | Sequence[Status]
) -> list[TrainingItem]:
    """The artist's queue in one or more statuses, oldest first (served by the (artist_id, status) index)."""
    wanted = [statuses] if isinstance(statuses, str) else list(statuses)
    unknown = set(wanted) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown training item statuses: {sorted(unknown)}")
    with conn.cursor(row_factory=class_row(TrainingItem)) as cur:
        return cur.execute(
            f"""
            SELECT {_COLUMNS} FROM public.training_items
            WHERE artist_id = %s AND status = ANY(%s) ORDER BY created_at, id
            """,
            (artist_id, wanted),
        ).fetchall()


def record_audio(
    conn: psycopg.Connection[Any],
    item_id: UUID,
    *,
    audio_path: str,
    duration_seconds: float,
    sample_rate: int,
) -> TrainingItem:
    """Checked audio arrived: the item needs a prompt; what the decode measured is kept."""
    return _transition(
        conn,
        item_id,
        "recording audio",
        AUDIO_ACCEPTED_FROM,
        """status = 'needs_prompt', audio_path = %s, audio_duration_seconds = %s, audio_sample_rate = %s,
        failure_reason = NULL""",
        (audio_path, duration_seconds, sample_rate),
    )


def record_prompt(
    conn: psycopg.Connection[Any],
    item_id: UUID,
    *,
    prompt_path: str,
    prompt_text: str,
    system_prompt_version: str,
    model_name: str,
    generated_at: datetime,
) -> TrainingItem:
    """The prompt is saved: the item is ready for a dataset."""
    return _transition(
        conn,
        item_id,
        "recording a prompt",
        PROMPT_ACCEPTED_FROM,
        """status = 'ready', prompt_path = %s, prompt_text = %s, system_prompt_version = %s,
        model_name = %s, generated_at = %s, failure_reason = NULL""",
        (prompt_path, prompt_text, system_prompt_version, model_name, generated_at),
    )


def mark_failed(conn: psycopg.Connection[Any], item_id: UUID, reason: str) -> TrainingItem:
    """The audio or the prompt could not be made; `reason` says why in words a person can act on."""
    if not reason.strip():
        raise ValueError("a failed training item needs a reason")
    return _transition(
        conn, item_id, "failing", FAILABLE_FROM, "status = 'failed', failure_reason = %s", (reason,)
    )


def mark_exported(conn: psycopg.Connection[Any], item_ids: Sequence[UUID]) -> list[TrainingItem]:
    """All the items went into a stored dataset zip. All or nothing: one item not ready (or exported) refuses
    the whole batch, so a dataset's items never end up half-marked."""
    with conn.transaction():
        items = [
            _transition(conn, item_id, "exporting", EXPORTABLE_FROM, "status = 'exported'", ())
            for item_id in item_ids
        ]
    return items


def linked_summaries(
    conn: psycopg.Connection[Any], items: Sequence[TrainingItem]
) -> dict[UUID, dict[str, Any]]:
    """The stored summary JSON of each item's set, keyed by item id; items without a set are absent."""
    links = {item.id: item.als_summary_id for item in items if item.als_summary_id is not None}
    rows = conn.execute(
        "SELECT id, summary FROM public.als_summaries WHERE id = ANY(%s)", (list(set(links.values())),)
    ).fetchall()
    by_id = {row[0]: row[1] for row in rows}
    return {item_id: by_id[summary_id] for item_id, summary_id in links.items() if summary_id in by_id}


def _transition(
    conn: psycopg.Connection[Any],
    item_id: UUID,
    transition: str,
    allowed: Sequence[Status],
    assignments: str,
    values: tuple[Any, ...],
) -> TrainingItem:
    # `assignments` is one of this module's literals; every value is a parameter.
    updated = _optional(
        conn,
        f"""
        UPDATE public.training_items SET {assignments}
        WHERE id = %s AND status = ANY(%s) RETURNING {_COLUMNS}
        """,
        (*values, item_id, list(allowed)),
    )
    if updated is None:
        raise TransitionRefused(get_item(conn, item_id), transition, allowed)
    return updated


def _lock_artist(conn: psycopg.Connection[Any], artist_id: UUID) -> None:
    """Serialise item creation per artist until the transaction ends, so two runs parsing the same set at
    once cannot both create its item (the seed has no unique key to lean on)."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"dawa.training_items:{artist_id}",)
    )


def _optional(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> TrainingItem | None:
    with conn.cursor(row_factory=class_row(TrainingItem)) as cur:
        return cur.execute(query, params).fetchone()


def _one(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...]) -> TrainingItem:
    item = _optional(conn, query, params)
    assert item is not None  # RETURNING always yields the written row
    return item

"""The SQL that makes a dataset build happen exactly once: the per-artist build lock, and the pending build
(`dawa_private.pending_dataset_builds`) recorded before its zip is stored and deleted in the transaction that
marks its items exported. A build killed between the two leaves its row, which the artist's next build
adopts (`finish_build`) or drops (`discard_build`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from dawa_pipeline.db import training_items
from dawa_pipeline.db.training_items import TrainingItem


@dataclass(frozen=True)
class PendingBuild:
    """A zip built from `item_ids` as they were at `items_updated_at`, maybe stored at `zip_path`."""

    artist_id: UUID
    zip_path: str
    item_ids: list[UUID]
    items_updated_at: datetime
    size_bytes: int
    sha256: str
    report: dict[str, Any]  # what the build reported, repeated by a run that adopts it
    recorded_at: datetime


_COLUMNS = "artist_id, zip_path, item_ids, items_updated_at, size_bytes, sha256, report, recorded_at"


def lock_dataset_builds(conn: psycopg.Connection[Any], artist_id: UUID) -> bool:
    """Take the artist's dataset-build lock for this session unless another session holds it (False then).
    It is held until the connection closes, so a crashed build cannot leave it taken."""
    row = conn.execute(
        "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (f"dawa.training_dataset:{artist_id}",)
    ).fetchone()
    return bool(row and row[0])


def record_build(
    conn: psycopg.Connection[Any],
    artist_id: UUID,
    items: Sequence[TrainingItem],
    *,
    zip_path: str,
    size_bytes: int,
    sha256: str,
    report: dict[str, Any],
) -> PendingBuild:
    """Record the built zip before it is stored. Fails (unique violation) while the artist has a pending
    build: the build lock's holder settles that one first."""
    stamps = [item.updated_at for item in items]
    if not stamps or None in stamps:
        raise ValueError("a dataset build records one or more items, each with its updated_at")
    with conn.cursor(row_factory=class_row(PendingBuild)) as cur:
        row = cur.execute(
            f"""
            INSERT INTO dawa_private.pending_dataset_builds
                (artist_id, zip_path, item_ids, items_updated_at, size_bytes, sha256, report)
            VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}
            """,
            (artist_id, zip_path, [i.id for i in items], max(stamps), size_bytes, sha256, Jsonb(report)),
        ).fetchone()
    assert row is not None  # RETURNING always yields the written row
    return row


def pending_build(conn: psycopg.Connection[Any], artist_id: UUID) -> PendingBuild | None:
    with conn.cursor(row_factory=class_row(PendingBuild)) as cur:
        return cur.execute(
            f"SELECT {_COLUMNS} FROM dawa_private.pending_dataset_builds WHERE artist_id = %s", (artist_id,)
        ).fetchone()


def finish_build(conn: psycopg.Connection[Any], build: PendingBuild) -> bool:
    """Mark the build's items exported and drop its row, in one transaction, if every item is still ready
    (or exported) and unchanged since the build read it; else change nothing and return False. Call it only
    once the zip is stored."""
    with conn.transaction():
        unchanged = conn.execute(
            """
            SELECT id FROM public.training_items
            WHERE id = ANY(%s) AND status = ANY(%s) AND updated_at <= %s
            FOR UPDATE
            """,
            (build.item_ids, list(training_items.EXPORTABLE_FROM), build.items_updated_at),
        ).fetchall()
        if len(unchanged) != len(build.item_ids):
            return False
        training_items.mark_exported(conn, build.item_ids)
        discard_build(conn, build.artist_id)
    return True


def discard_build(conn: psycopg.Connection[Any], artist_id: UUID) -> None:
    """Forget the artist's pending build (its zip, if stored, is the caller's to delete first)."""
    conn.execute("DELETE FROM dawa_private.pending_dataset_builds WHERE artist_id = %s", (artist_id,))

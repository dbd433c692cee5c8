"""The SQL of training_items on the real Postgres: one item per set however often it is parsed, guarded
transitions, and the seed's row level security for members."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from dawa_pipeline.db import summaries, training_items
from dawa_pipeline.db.artists import add_member, ensure_artist
from dawa_pipeline.db.connection import connect
from dawa_pipeline.db.training_items import STATUSES, TrainingItemNotFound, TransitionRefused

MEMBER = uuid.UUID("aaaaaaaa-0000-0000-0000-00000000000a")


def _summary(artist_id: uuid.UUID, parse_id: str, project: str = "Night Drive", als: str = "Night Drive.als"):
    return summaries.SummaryRow(
        artist_id=artist_id,
        parse_id=parse_id,
        project_name=project,
        als_filename=als,
        summary={},
        export_path="",
        source_path=f"artists/x/uploads/{project}/{als}",
        source_sha256=parse_id,
    )


def _store(db: psycopg.Connection[Any], *rows: summaries.SummaryRow) -> list[training_items.TrainingItem]:
    with db.transaction():
        return training_items.ensure_items_for_summaries(db, summaries.upsert_summaries(db, rows))


def test_each_set_gets_one_item_and_a_reparse_moves_its_link(db):
    artist = ensure_artist(db, "Nova Vale")
    first, other = _store(db, _summary(artist.id, "p1"), _summary(artist.id, "o1", "Other", "Other.als"))
    assert first.status == other.status == "needs_audio"
    assert first.id != other.id

    (again,) = _store(db, _summary(artist.id, "p1"))
    assert again == first  # the same parse stored again changes nothing

    (reparsed,) = _store(db, _summary(artist.id, "p2"))
    assert reparsed.id == first.id
    assert reparsed.parse_id == "p2"
    assert reparsed.als_summary_id != first.als_summary_id
    (count,) = db.execute("SELECT count(*) FROM training_items").fetchone()
    assert count == 2


def test_transitions_are_guarded_and_keep_what_they_measured(db):
    artist = ensure_artist(db, "Nova Vale")
    (item,) = _store(db, _summary(artist.id, "p1"))

    with pytest.raises(TransitionRefused, match="is needs_audio"):
        training_items.record_prompt(
            db,
            item.id,
            prompt_path="p",
            prompt_text="t",
            system_prompt_version="v",
            model_name="m",
            generated_at=datetime.now(UTC),
        )
    queued = training_items.record_audio(
        db, item.id, audio_path="a.mp3", duration_seconds=31.5, sample_rate=44_100
    )
    assert (queued.status, queued.audio_duration_seconds, queued.audio_sample_rate) == (
        "needs_prompt",
        31.5,
        44_100,
    )
    ready = training_items.record_prompt(
        db,
        item.id,
        prompt_path="p",
        prompt_text="Warm house.",
        system_prompt_version="caption-v1",
        model_name="dawa-offline-v1",
        generated_at=datetime.now(UTC),
    )
    assert ready.status == "ready"
    with pytest.raises(TransitionRefused):
        training_items.mark_failed(db, item.id, "too late")
    with pytest.raises(ValueError, match="needs a reason"):
        training_items.mark_failed(db, item.id, " ")
    with pytest.raises(TrainingItemNotFound):
        training_items.record_audio(db, uuid.uuid4(), audio_path="a.mp3", duration_seconds=1.0, sample_rate=1)


def test_exporting_is_all_or_nothing(db):
    artist = ensure_artist(db, "Nova Vale")
    ready, waiting = _store(db, _summary(artist.id, "p1"), _summary(artist.id, "o1", "Other", "Other.als"))
    training_items.record_audio(db, ready.id, audio_path="a", duration_seconds=9.0, sample_rate=32_000)
    training_items.record_prompt(
        db,
        ready.id,
        prompt_path="p",
        prompt_text="Warm house.",
        system_prompt_version="caption-v1",
        model_name="m",
        generated_at=datetime.now(UTC),
    )

    with pytest.raises(TransitionRefused, match="needs_audio"):
        training_items.mark_exported(db, [ready.id, waiting.id])
    assert training_items.get_item(db, ready.id).status == "ready"

    (exported,) = training_items.mark_exported(db, [ready.id])
    assert exported.status == "exported"
    assert training_items.items_with_status(db, artist.id, "ready") == []
    assert [i.id for i in training_items.items_with_status(db, artist.id, ["exported"])] == [ready.id]


def test_an_item_is_claimed_for_its_prompt_by_one_transaction_only(db, database_url):
    artist = ensure_artist(db, "Nova Vale")
    waiting, queued = _store(db, _summary(artist.id, "p1"), _summary(artist.id, "o1", "Other", "Other.als"))
    training_items.record_audio(db, queued.id, audio_path="a", duration_seconds=9.0, sample_rate=32_000)
    assert training_items.claim_for_prompt(db, waiting.id) is None  # needs_audio: no prompt yet

    with connect(database_url) as other, db.transaction():
        other.execute("SET lock_timeout = '2s'")  # waiting for the lock would be a failure, not a hang
        claimed = training_items.claim_for_prompt(db, queued.id)
        assert claimed is not None and claimed.status == "needs_prompt"
        assert training_items.claim_for_prompt(other, queued.id) is None  # skipped, not waited for
        training_items.record_prompt(
            db,
            queued.id,
            prompt_path="p",
            prompt_text="Warm house.",
            system_prompt_version="caption-v1",
            model_name="m",
            generated_at=datetime.now(UTC),
        )
    with connect(database_url) as other:
        assert training_items.claim_for_prompt(other, queued.id) is None  # ready: nothing left to write


def test_members_read_and_write_only_their_artists_items(db, acting_as):
    mine, theirs = ensure_artist(db, "Nova Vale"), ensure_artist(db, "Other Artist")
    add_member(db, MEMBER, mine.id, "member")
    (my_item,) = _store(db, _summary(mine.id, "p1"))
    (their_item,) = _store(db, _summary(theirs.id, "q1"))

    with acting_as(db, MEMBER) as conn:
        assert [i.id for i in training_items.items_with_status(conn, mine.id, STATUSES)] == [my_item.id]
        assert training_items.items_with_status(conn, theirs.id, STATUSES) == []
        assert training_items.find_item(conn, their_item.id) is None
        created = training_items.create_item(conn, mine.id, parse_id="manual-1")
        updated = training_items.record_audio(
            conn, my_item.id, audio_path="a.mp3", duration_seconds=8.0, sample_rate=32_000
        )
    assert created.artist_id == mine.id and updated.status == "needs_prompt"

    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(db, MEMBER) as conn:
        training_items.create_item(conn, theirs.id, parse_id="manual-2")
    with pytest.raises(TrainingItemNotFound), acting_as(db, MEMBER) as conn:
        training_items.mark_failed(conn, their_item.id, "not yours")
    assert training_items.get_item(db, their_item.id).status == "needs_audio"

    stranger = uuid.UUID("cccccccc-0000-0000-0000-00000000000c")
    with acting_as(db, stranger) as conn:
        assert training_items.items_with_status(conn, mine.id, STATUSES) == []

"""Artists and their slugs: the database assigns the slug storage paths use, by the storage layout's rule."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest

from dawa_pipeline.db.artists import Artist, add_member, ensure_artist, get_artist, list_artists
from dawa_pipeline.db.connection import connect
from dawa_pipeline.storage.layout import slugify

TRICKY_NAMES = [
    "Björk",
    "Sigur Rós",
    "Mötley Crüe",
    "Guðmundsdóttir",
    "ﬁve ﬁngers",  # ligature: NFKD makes it "fi"
    "DJ  Shadow!!",
    "--Aphex__Twin--",
    "  ",
    "坂本龍一",
    "\uff32\uff4f\uff59\uff4b\uff53\uff4f\uff50\uff50",  # "Royksopp" in full-width letters
    "A$AP Rocky",
]


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_sql_slug_equals_python_slugify(db: psycopg.Connection[Any], name: str) -> None:
    """Storage paths are built in Python and checked by bucket policies in SQL: both must agree."""
    assert db.execute("SELECT dawa_private.slugify(%s)", (name,)).fetchone() == (slugify(name),)


def test_ensure_artist_creates_once(db: psycopg.Connection[Any]) -> None:
    created = ensure_artist(db, "Sigur Rós")
    assert created == Artist(id=created.id, name="Sigur Rós", slug="sigur-ros")
    assert ensure_artist(db, "Sigur Rós") == created
    assert ensure_artist(db, "  Sigur Rós ") == created
    assert db.execute("SELECT count(*) FROM artists").fetchone() == (1,)


def test_empty_name_is_refused(db: psycopg.Connection[Any]) -> None:
    with pytest.raises(ValueError, match="empty"):
        ensure_artist(db, "   ")


def test_colliding_slugs_get_numbered(db: psycopg.Connection[Any]) -> None:
    slugs = [
        ensure_artist(db, name).slug for name in ("Aphex Twin", "aphex-twin", "APHEX  TWIN", "!!!", "???")
    ]
    assert slugs == ["aphex-twin", "aphex-twin-2", "aphex-twin-3", "artist", "artist-2"]


def test_a_given_slug_is_kept_and_must_be_a_slug(db: psycopg.Connection[Any]) -> None:
    db.execute("INSERT INTO artists (name, slug) VALUES ('Boards of Canada', 'boc')")
    assert get_artist(db, name="Boards of Canada") is not None
    assert get_artist(db, slug="boc") == get_artist(db, name="Boards of Canada")
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute("INSERT INTO artists (name, slug) VALUES ('Bad', '../etc')")


def test_a_slug_never_changes(db: psycopg.Connection[Any]) -> None:
    artist = ensure_artist(db, "Autechre")
    with pytest.raises(psycopg.errors.CheckViolation, match="cannot change"):
        db.execute("UPDATE artists SET slug = 'ae' WHERE id = %s", (artist.id,))
    db.execute("UPDATE artists SET name = 'Autechre (live)' WHERE id = %s", (artist.id,))
    assert get_artist(db, id=artist.id) == Artist(artist.id, "Autechre (live)", "autechre")


def test_get_and_list(db: psycopg.Connection[Any]) -> None:
    b, a = ensure_artist(db, "Burial"), ensure_artist(db, "Arca")
    assert list_artists(db) == [a, b]
    assert get_artist(db, slug="burial") == b
    assert get_artist(db, id=a.id) == a
    assert get_artist(db, name="Nobody") is None
    with pytest.raises(ValueError, match="exactly one"):
        get_artist(db)
    with pytest.raises(ValueError, match="exactly one"):
        get_artist(db, slug="arca", name="Arca")


def test_works_on_a_dict_row_connection(database_url: str) -> None:
    with connect(database_url, dict_rows=True) as conn:
        artist = ensure_artist(conn, "Arca")
        assert list_artists(conn) == [artist]
        assert conn.execute("SELECT slug FROM artists").fetchone() == {"slug": "arca"}


def test_add_member_sets_or_changes_the_role(db: psycopg.Connection[Any]) -> None:
    artist, user = ensure_artist(db, "Arca"), uuid.uuid4()
    add_member(db, user, artist.id)
    assert db.execute("SELECT role FROM user_artists WHERE user_id = %s", (user,)).fetchone() == ("owner",)
    add_member(db, user, artist.id, role="member")
    assert db.execute("SELECT role FROM user_artists WHERE user_id = %s", (user,)).fetchone() == ("member",)


def test_concurrent_writers_get_the_same_artist(database_url: str) -> None:
    """A second writer blocked on the first's uncommitted insert returns that row once it commits."""
    with connect(database_url) as first, connect(database_url) as second:
        mine = ensure_artist(first, "Arca")
        theirs: list[Artist] = []
        waiter = threading.Thread(target=lambda: theirs.append(ensure_artist(second, "Arca")))
        waiter.start()
        waiter.join(timeout=0.3)
        assert waiter.is_alive(), "the second writer should wait for the first transaction"
        first.commit()
        waiter.join(timeout=10)
        assert theirs == [mine]

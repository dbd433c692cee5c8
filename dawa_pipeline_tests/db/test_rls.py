"""Row level security on the five tables and on the dawa-exports bucket, proven by acting as Supabase's API
roles (SET LOCAL ROLE + JWT claims), never as the superuser that owns the data.

The world: artists A and B; owner_a owns A, member_a is a plain member of A, owner_b owns B, stranger is
signed in with no membership; plus anon and service_role."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest

from dawa_pipeline.db.migrate import load_migrations

ActingAs = Callable[..., AbstractContextManager[psycopg.Connection[Any]]]  # the `acting_as` fixture

OWNER_A = uuid.UUID("aaaaaaaa-0000-0000-0000-000000000001")
MEMBER_A = uuid.UUID("aaaaaaaa-0000-0000-0000-000000000002")
OWNER_B = uuid.UUID("bbbbbbbb-0000-0000-0000-000000000001")
STRANGER = uuid.UUID("cccccccc-0000-0000-0000-000000000001")

# actor -> (user id, role)
ACTORS: dict[str, tuple[uuid.UUID | None, str]] = {
    "owner_a": (OWNER_A, "authenticated"),
    "member_a": (MEMBER_A, "authenticated"),
    "owner_b": (OWNER_B, "authenticated"),
    "stranger": (STRANGER, "authenticated"),
    "anon": (None, "anon"),
    "service_role": (None, "service_role"),
}


@dataclass(frozen=True)
class World:
    artist_a: uuid.UUID
    artist_b: uuid.UUID
    summary_a: uuid.UUID
    summary_b: uuid.UUID
    summary_without_artist: uuid.UUID
    item_a: uuid.UUID
    item_b: uuid.UUID


@pytest.fixture
def world(db: psycopg.Connection[Any]) -> World:
    artist_a = db.execute("INSERT INTO artists (name) VALUES ('Artist A') RETURNING id").fetchone()[0]
    artist_b = db.execute("INSERT INTO artists (name) VALUES ('Artist B') RETURNING id").fetchone()[0]
    for user, artist, role in (
        (OWNER_A, artist_a, "owner"),
        (MEMBER_A, artist_a, "member"),
        (OWNER_B, artist_b, "owner"),
    ):
        db.execute(
            "INSERT INTO user_artists (user_id, artist_id, role) VALUES (%s, %s, %s)", (user, artist, role)
        )

    def summary(artist: uuid.UUID | None, filename: str) -> uuid.UUID:
        return db.execute(
            "INSERT INTO als_summaries (artist_id, als_filename, parse_id, summary) "
            "VALUES (%s, %s, 'p1', '{}') RETURNING id",
            (artist, filename),
        ).fetchone()[0]

    def item(artist: uuid.UUID, summary_id: uuid.UUID) -> uuid.UUID:
        return db.execute(
            "INSERT INTO training_items (artist_id, als_summary_id, parse_id) "
            "VALUES (%s, %s, 'p1') RETURNING id",
            (artist, summary_id),
        ).fetchone()[0]

    summary_a, summary_b = summary(artist_a, "a.als"), summary(artist_b, "b.als")
    for artist in (artist_a, artist_b):
        db.execute("INSERT INTO artist_profiles (artist_id, name) VALUES (%s, 'profile')", (artist,))
    db.execute("INSERT INTO storage.buckets (id, name) VALUES ('elsewhere', 'elsewhere')")
    for bucket, name in (
        ("dawa-exports", "artists/artist-a/daw-data/p/a/p1/summary.json"),
        ("dawa-exports", "artists/artist-b/daw-data/p/b/p1/summary.json"),
        ("dawa-exports", "shared/readme.txt"),
        ("elsewhere", "artists/artist-a/x.txt"),
    ):
        db.execute("INSERT INTO storage.objects (bucket_id, name) VALUES (%s, %s)", (bucket, name))
    return World(
        artist_a=artist_a,
        artist_b=artist_b,
        summary_a=summary_a,
        summary_b=summary_b,
        summary_without_artist=summary(None, "orphan.als"),
        item_a=item(artist_a, summary_a),
        item_b=item(artist_b, summary_b),
    )


def _as(acting_as: ActingAs, db: psycopg.Connection[Any], actor: str, query: str, params: Any = None) -> Any:
    """Run `query` as `actor`; returns all rows for a SELECT/RETURNING, else the affected row count."""
    user_id, role = ACTORS[actor]
    with acting_as(db, user_id, role):
        cursor = db.execute(query, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def _artist_labels(world: World, artist_ids: list[tuple[uuid.UUID | None]]) -> set[str]:
    names = {world.artist_a: "A", world.artist_b: "B", None: "none"}
    return {names[row[0]] for row in artist_ids}


EVERYONE_SEES = {
    "owner_a": {"A"},
    "member_a": {"A"},
    "owner_b": {"B"},
    "stranger": set(),
    "anon": set(),
}


# ---------------------------------------------------------------------------------------------- SELECT


@pytest.mark.parametrize(
    ("table", "artist_column"),
    [
        ("als_summaries", "artist_id"),
        ("training_items", "artist_id"),
        ("artists", "id"),
        ("artist_profiles", "artist_id"),
    ],
)
@pytest.mark.parametrize("actor", list(ACTORS))
def test_members_see_only_their_artists_rows(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, table: str, artist_column: str, actor: str
) -> None:
    rows = _as(acting_as, db, actor, f"SELECT {artist_column} FROM {table}")
    if actor == "service_role":
        everything = {"A", "B", "none"} if table == "als_summaries" else {"A", "B"}
        assert _artist_labels(world, rows) == everything
    else:
        assert _artist_labels(world, rows) == EVERYONE_SEES[actor]


def test_summaries_without_an_artist_are_invisible_to_every_user(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World
) -> None:
    """The seed's warning: the policy matches memberships, and NULL matches none."""
    query = "SELECT id FROM als_summaries WHERE id = %s"
    for actor in ("owner_a", "member_a", "owner_b", "stranger", "anon"):
        assert _as(acting_as, db, actor, query, (world.summary_without_artist,)) == []
    assert _as(acting_as, db, "service_role", query, (world.summary_without_artist,)) != []


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        # owners see every membership of their artists; others only their own
        ("owner_a", {(OWNER_A, "owner"), (MEMBER_A, "member")}),
        ("member_a", {(MEMBER_A, "member")}),
        ("owner_b", {(OWNER_B, "owner")}),
        ("stranger", set()),
        ("anon", set()),
        ("service_role", {(OWNER_A, "owner"), (MEMBER_A, "member"), (OWNER_B, "owner")}),
    ],
)
def test_memberships_visible(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, expected: set[tuple[Any, str]]
) -> None:
    assert set(_as(acting_as, db, actor, "SELECT user_id, role FROM user_artists")) == expected


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("owner_a", {"artists/artist-a/daw-data/p/a/p1/summary.json"}),
        ("member_a", {"artists/artist-a/daw-data/p/a/p1/summary.json"}),
        ("owner_b", {"artists/artist-b/daw-data/p/b/p1/summary.json"}),
        ("stranger", set()),
        ("anon", set()),
    ],
)
def test_bucket_files_visible_only_to_the_artists_members(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, expected: set[str]
) -> None:
    rows = _as(acting_as, db, actor, "SELECT name FROM storage.objects")
    assert {row[0] for row in rows} == expected


def test_the_exports_bucket_is_private(db: psycopg.Connection[Any]) -> None:
    assert db.execute("SELECT public FROM storage.buckets WHERE id = 'dawa-exports'").fetchone() == (False,)


# ---------------------------------------------------------------------------------------------- INSERT

INSERT_ITEM = "INSERT INTO training_items (artist_id, parse_id) VALUES (%s, 'new')"


@pytest.mark.parametrize(
    ("actor", "artist", "allowed"),
    [
        ("owner_a", "a", True),
        ("member_a", "a", True),  # the seed lets every member of the artist insert
        ("owner_a", "b", False),
        ("stranger", "a", False),
        ("anon", "a", False),
        ("service_role", "b", True),
    ],
)
def test_training_item_insert(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, artist: str, allowed: bool
) -> None:
    artist_id = world.artist_a if artist == "a" else world.artist_b
    if allowed:
        assert _as(acting_as, db, actor, INSERT_ITEM, (artist_id,)) == 1
    else:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as(acting_as, db, actor, INSERT_ITEM, (artist_id,))


SERVICE_ONLY_INSERTS = {
    "als_summaries": "INSERT INTO als_summaries (artist_id, als_filename, parse_id, summary) "
    "VALUES (%(artist)s, 'c.als', 'p', '{}')",
    "artists": "INSERT INTO artists (name) VALUES ('Artist D')",
    "artist_profiles": "INSERT INTO artist_profiles (artist_id) VALUES (%(artist)s)",
}


@pytest.mark.parametrize("table", list(SERVICE_ONLY_INSERTS))
def test_only_the_service_role_inserts_summaries_artists_and_profiles(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, table: str
) -> None:
    """Even an owner cannot insert these for their own artist (C, which has no profile yet): the pipeline
    writes them with the service role."""
    artist_c = db.execute("INSERT INTO artists (name) VALUES ('Artist C') RETURNING id").fetchone()[0]
    db.execute("INSERT INTO user_artists (user_id, artist_id) VALUES (%s, %s)", (OWNER_A, artist_c))
    params = {"artist": artist_c}
    for actor in ("owner_a", "stranger", "anon"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as(acting_as, db, actor, SERVICE_ONLY_INSERTS[table], params)
    assert _as(acting_as, db, "service_role", SERVICE_ONLY_INSERTS[table], params) == 1


ADD_MEMBER = "INSERT INTO user_artists (user_id, artist_id, role) VALUES (%s, %s, %s)"


@pytest.mark.parametrize(
    ("actor", "new_user", "artist", "role", "allowed"),
    [
        ("owner_a", STRANGER, "a", "member", True),  # owners manage their artists' memberships
        ("owner_a", STRANGER, "b", "member", False),
        ("member_a", STRANGER, "a", "member", False),  # plain members do not
        ("stranger", STRANGER, "a", "owner", False),  # nobody makes themselves a member
        ("anon", STRANGER, "a", "member", False),
        ("service_role", STRANGER, "b", "owner", True),
    ],
)
def test_membership_insert(
    acting_as: ActingAs,
    db: psycopg.Connection[Any],
    world: World,
    actor: str,
    new_user: uuid.UUID,
    artist: str,
    role: str,
    allowed: bool,
) -> None:
    params = (new_user, world.artist_a if artist == "a" else world.artist_b, role)
    if allowed:
        assert _as(acting_as, db, actor, ADD_MEMBER, params) == 1
    else:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as(acting_as, db, actor, ADD_MEMBER, params)


ADD_OBJECT = "INSERT INTO storage.objects (bucket_id, name) VALUES (%s, %s)"


@pytest.mark.parametrize(
    ("actor", "bucket", "name", "allowed"),
    [
        ("member_a", "dawa-exports", "artists/artist-a/training/1/audio.mp3", True),
        ("owner_a", "dawa-exports", "artists/artist-a/datasets/dataset-1.zip", True),
        ("owner_a", "dawa-exports", "artists/artist-b/training/1/audio.mp3", False),
        ("owner_a", "dawa-exports", "artist-a/training/1/audio.mp3", False),  # outside artists/
        ("owner_a", "dawa-exports", "artists/artist-a", False),  # the slug must be a folder
        ("owner_a", "elsewhere", "artists/artist-a/x.mp3", False),  # another bucket
        ("stranger", "dawa-exports", "artists/artist-a/x.mp3", False),
        ("anon", "dawa-exports", "artists/artist-a/x.mp3", False),
    ],
)
def test_bucket_upload(
    acting_as: ActingAs,
    db: psycopg.Connection[Any],
    world: World,
    actor: str,
    bucket: str,
    name: str,
    allowed: bool,
) -> None:
    if allowed:
        assert _as(acting_as, db, actor, ADD_OBJECT, (bucket, name)) == 1
    else:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _as(acting_as, db, actor, ADD_OBJECT, (bucket, name))


def test_public_policies_on_the_bucket_are_dropped(db: psycopg.Connection[Any]) -> None:
    """The seed's public policies are replaced: re-running the storage migration drops any that exist."""
    for policy in (
        "\"public read\" ON storage.objects FOR SELECT TO public USING (bucket_id = 'dawa-exports')",
        "\"anon upload\" ON storage.objects FOR INSERT TO anon WITH CHECK (bucket_id = 'dawa-exports')",
        "\"keep me\" ON storage.objects FOR SELECT TO public USING (bucket_id = 'elsewhere')",
    ):
        db.execute(f"CREATE POLICY {policy}")
    db.execute("UPDATE storage.buckets SET public = true WHERE id = 'dawa-exports'")
    (storage_migration,) = [m for m in load_migrations() if m.name == "storage_exports_bucket"]
    db.execute(storage_migration.sql.encode())
    policies = {
        row[0] for row in db.execute("SELECT policyname FROM pg_policies WHERE tablename = 'objects'")
    }
    assert "public read" not in policies and "anon upload" not in policies
    assert "keep me" in policies
    assert db.execute("SELECT public FROM storage.buckets WHERE id = 'dawa-exports'").fetchone() == (False,)


# ---------------------------------------------------------------------------------------------- UPDATE


@pytest.mark.parametrize(
    ("actor", "expected_rows"),
    [("owner_a", 1), ("member_a", 1), ("owner_b", 0), ("stranger", 0), ("anon", 0), ("service_role", 1)],
)
def test_training_item_update(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, expected_rows: int
) -> None:
    query = "UPDATE training_items SET status = 'ready' WHERE id = %s"
    assert _as(acting_as, db, actor, query, (world.item_a,)) == expected_rows


def test_a_training_item_cannot_move_to_another_artist(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as(
            acting_as,
            db,
            "owner_a",
            "UPDATE training_items SET artist_id = %s WHERE id = %s",
            (world.artist_b, world.item_a),
        )


@pytest.mark.parametrize(
    ("query", "owner_rows"),
    [
        ("UPDATE artists SET name = 'Renamed' WHERE id = %(a)s", 1),
        ("UPDATE artist_profiles SET name = 'Renamed' WHERE artist_id = %(a)s", 1),
        ("UPDATE user_artists SET role = 'viewer' WHERE user_id = %(member)s AND artist_id = %(a)s", 1),
        ("UPDATE als_summaries SET project_name = 'Renamed' WHERE artist_id = %(a)s", 0),  # service role only
    ],
    ids=["artists", "artist_profiles", "user_artists", "als_summaries"],
)
def test_only_owners_update_their_artist_profile_and_memberships(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, query: str, owner_rows: int
) -> None:
    params = {"a": world.artist_a, "member": MEMBER_A}
    for actor in ("member_a", "owner_b", "stranger", "anon"):
        assert _as(acting_as, db, actor, query, params) == 0, actor
    assert _as(acting_as, db, "owner_a", query, params) == owner_rows
    assert _as(acting_as, db, "service_role", query, params) == 1


def test_a_member_cannot_promote_themselves(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World
) -> None:
    query = "UPDATE user_artists SET role = 'owner' WHERE user_id = %s"
    assert _as(acting_as, db, "member_a", query, (MEMBER_A,)) == 0
    assert db.execute("SELECT role FROM user_artists WHERE user_id = %s", (MEMBER_A,)).fetchone() == (
        "member",
    )


def test_an_owner_cannot_move_a_membership_to_another_artist(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as(
            acting_as,
            db,
            "owner_a",
            "UPDATE user_artists SET artist_id = %s WHERE user_id = %s",
            (world.artist_b, MEMBER_A),
        )


@pytest.mark.parametrize(
    ("actor", "name", "expected_rows"),
    [
        ("member_a", "artists/artist-a/daw-data/p/a/p1/summary.json", 1),
        ("member_a", "artists/artist-b/daw-data/p/b/p1/summary.json", 0),
        ("stranger", "artists/artist-a/daw-data/p/a/p1/summary.json", 0),
        ("anon", "artists/artist-a/daw-data/p/a/p1/summary.json", 0),
    ],
)
def test_bucket_update(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, name: str, expected_rows: int
) -> None:
    query = "UPDATE storage.objects SET metadata = '{\"size\": 1}' WHERE name = %s"
    assert _as(acting_as, db, actor, query, (name,)) == expected_rows


def test_a_file_cannot_move_into_another_artists_folder(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _as(
            acting_as,
            db,
            "owner_a",
            "UPDATE storage.objects SET name = 'artists/artist-b/stolen.json' "
            "WHERE name LIKE 'artists/artist-a/%%'",
        )


# ---------------------------------------------------------------------------------------------- DELETE


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("training_items", "artist_id = %(a)s"),  # the seed has no delete policy
        ("als_summaries", "artist_id = %(a)s"),
        ("artist_profiles", "artist_id = %(a)s"),
        ("artists", "id = %(a)s"),
    ],
)
def test_only_the_service_role_deletes(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, table: str, where: str
) -> None:
    query = f"DELETE FROM {table} WHERE {where}"
    for actor in ("owner_a", "member_a", "stranger", "anon"):
        assert _as(acting_as, db, actor, query, {"a": world.artist_a}) == 0, actor
    assert _as(acting_as, db, "service_role", query, {"a": world.artist_a}) == 1


@pytest.mark.parametrize(
    ("actor", "expected_rows"), [("owner_a", 1), ("member_a", 0), ("owner_b", 0), ("anon", 0)]
)
def test_owners_remove_memberships(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, expected_rows: int
) -> None:
    query = "DELETE FROM user_artists WHERE user_id = %s AND artist_id = %s"
    assert _as(acting_as, db, actor, query, (MEMBER_A, world.artist_a)) == expected_rows


@pytest.mark.parametrize(
    ("actor", "expected_rows"), [("member_a", 1), ("owner_b", 0), ("stranger", 0), ("anon", 0)]
)
def test_bucket_delete(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World, actor: str, expected_rows: int
) -> None:
    query = "DELETE FROM storage.objects WHERE bucket_id = 'dawa-exports' AND name LIKE 'artists/artist-a/%%'"
    assert _as(acting_as, db, actor, query) == expected_rows


# ---------------------------------------------------------------------------------------------- cascades


def test_deleting_an_artist_removes_its_rows_and_keeps_its_summaries_unlinked(
    acting_as: ActingAs, db: psycopg.Connection[Any], world: World
) -> None:
    assert _as(acting_as, db, "service_role", "DELETE FROM artists WHERE id = %s", (world.artist_a,)) == 1
    for table in ("artist_profiles", "user_artists", "training_items"):
        assert db.execute(
            f"SELECT count(*) FROM {table} WHERE artist_id = %s", (world.artist_a,)
        ).fetchone() == (0,)
    assert db.execute("SELECT artist_id FROM als_summaries WHERE id = %s", (world.summary_a,)).fetchone() == (
        None,
    )
    # B is untouched
    assert db.execute(
        "SELECT count(*) FROM training_items WHERE artist_id = %s", (world.artist_b,)
    ).fetchone() == (1,)


def test_deleting_a_summary_unlinks_its_training_items(db: psycopg.Connection[Any], world: World) -> None:
    db.execute("DELETE FROM als_summaries WHERE id = %s", (world.summary_b,))
    assert db.execute(
        "SELECT als_summary_id FROM training_items WHERE id = %s", (world.item_b,)
    ).fetchone() == (None,)


# ---------------------------------------------------------------------------------------------- the helper


def test_acting_as_resets_role_and_claims(acting_as: ActingAs, db: psycopg.Connection[Any]) -> None:
    owner = db.execute("SELECT current_user").fetchone()
    with acting_as(db, OWNER_A):
        assert db.execute("SELECT current_user, auth.uid(), auth.role()").fetchone() == (
            "authenticated",
            OWNER_A,
            "authenticated",
        )
    assert db.execute("SELECT current_user, auth.uid()").fetchone() == (*owner, None)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(db, None, "anon"):
        db.execute("INSERT INTO artists (name) VALUES ('x')")
    assert db.execute("SELECT current_user").fetchone() == owner


def test_legacy_claim_setting_is_understood(db: psycopg.Connection[Any]) -> None:
    """auth.uid() reads request.jwt.claim.sub too, as Supabase's does (older PostgREST)."""
    with db.transaction():
        db.execute("SELECT set_config('request.jwt.claim.sub', %s, true)", (str(MEMBER_A),))
        assert db.execute("SELECT auth.uid()").fetchone() == (MEMBER_A,)

"""Shared fixtures: a real Postgres for the whole session, a fresh migrated database per test, an RLS helper,
an isolated DAWA_HOME, the pipeline over the test's database (see pipeline_env) and the demo artists' sets.

The server is the embedded one in a temporary folder (one per pytest-xdist worker), or the server of
DAWA_TEST_DATABASE_URL when set (a role that may create databases and roles). It never touches the
developer's DAWA_HOME. Migrations run once per session into a template database; each test gets a copy
(CREATE DATABASE ... TEMPLATE), dropped afterwards, so tests are isolated and cheap."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import psycopg
import pytest
from pipeline_env import PipelineEnv
from psycopg import sql

from dawa_pipeline.db.connection import connect, with_database
from dawa_pipeline.db.embedded import start_embedded, stop_embedded
from dawa_pipeline.db.migrate import apply_migrations
from dawa_pipeline.demo.sets import write_demo_sets

# Settings a test must not inherit from the developer's shell.
_DAWA_ENVIRONMENT = (
    "DAWA_HOME",
    "DAWA_DATABASE_URL",
    "DAWA_STORAGE",
    "DAWA_PROMPT_MODEL",
    "DAGSTER_HOME",
    "DAGSTER_POSTGRES_URL",
)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a maintenance database on the session's Postgres server (databases are created from it)."""
    if external := os.environ.get("DAWA_TEST_DATABASE_URL"):
        yield external
        return
    root = Path(tempfile.mkdtemp(prefix="dawa-test-pg-"))
    try:
        url = start_embedded(root / "pg")
        with connect(url, autocommit=True) as conn:
            # Durability is worthless for throwaway test data; these settings make CREATE DATABASE cheap.
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(setting)))
            conn.execute("SELECT pg_reload_conf()")
        yield url
    finally:
        stop_embedded(root / "pg")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def migrated_template(postgres_server_url: str) -> Iterator[str]:
    """Name of a database holding every migration, built once per session (per xdist worker)."""
    name = f"dawa_template_{uuid.uuid4().hex[:12]}"
    _create_database(postgres_server_url, name)
    try:
        with connect(with_database(postgres_server_url, name), autocommit=True) as conn:
            apply_migrations(conn)
        yield name
    finally:
        _drop_database(postgres_server_url, name)


@pytest.fixture
def database_url(postgres_server_url: str, migrated_template: str) -> Iterator[str]:
    """URL of a fresh, fully migrated database of this test's own, dropped afterwards."""
    yield from _scratch_database(postgres_server_url, template=migrated_template)


@pytest.fixture
def empty_database_url(postgres_server_url: str) -> Iterator[str]:
    """URL of a fresh database without any migration (the server's roles may exist already), dropped after."""
    yield from _scratch_database(postgres_server_url, template="template0")


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to the test's database, as its owner (superuser on the embedded server: RLS
    does not apply until `acting_as` switches role)."""
    with connect(database_url, autocommit=True) as conn:
        yield conn


@contextmanager
def acting_as_user(
    conn: psycopg.Connection[Any], user_id: uuid.UUID | None, role: str = "authenticated"
) -> Iterator[psycopg.Connection[Any]]:
    """Run the block as Supabase's PostgREST would for a request by `user_id` with `role` (anon: no user):
    one transaction with SET LOCAL ROLE and the JWT claims set transaction-locally. The transaction commits
    when the block succeeds and rolls back when it raises; either way role and claims are gone after it."""
    if not conn.autocommit:
        raise ValueError("acting_as needs an autocommit connection: SET LOCAL would outlive a savepoint")
    claims: dict[str, str] = {"role": role}
    if user_id is not None:
        claims["sub"] = str(user_id)
    with conn.transaction():
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        conn.execute("SELECT set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield conn


ActingAs = Callable[..., AbstractContextManager[psycopg.Connection[Any]]]


@pytest.fixture
def acting_as() -> ActingAs:
    """`with acting_as(conn, user_id, role="authenticated"): ...` (see `acting_as_user`)."""
    return acting_as_user


@pytest.fixture
def dawa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """An empty DAWA_HOME in the test's tmp folder, with DAWA_DATABASE_URL set to the test's database so that
    code under test never starts a server of its own; other DAWA settings are cleared."""
    for name in _DAWA_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "dawa-home"
    home.mkdir()
    monkeypatch.setenv("DAWA_HOME", str(home))
    monkeypatch.setenv("DAWA_DATABASE_URL", database_url)
    return home


@pytest.fixture
def pipeline(database_url: str, tmp_path: Path) -> Iterator[PipelineEnv]:
    """The pipeline over the test's database, a storage folder in its tmp folder and a temporary instance."""
    with dg.instance_for_test() as instance:
        yield PipelineEnv(database_url, tmp_path / "storage", instance)


@pytest.fixture(scope="session")
def demo_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """The demo artists' sets, written once per session (per xdist worker): artist name -> .als paths."""
    return write_demo_sets(tmp_path_factory.mktemp("demo-sets"))


def _scratch_database(server_url: str, *, template: str) -> Iterator[str]:
    name = f"dawa_test_{uuid.uuid4().hex[:12]}"
    _create_database(server_url, name, template=template)
    try:
        yield with_database(server_url, name)
    finally:
        _drop_database(server_url, name)


def _create_database(server_url: str, name: str, *, template: str | None = None) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with connect(server_url, autocommit=True) as conn:
        conn.execute(statement)


def _drop_database(server_url: str, name: str) -> None:
    with connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

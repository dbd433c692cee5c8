"""Backends for the storage tests: a local folder, and the Supabase backend talking to a fake Storage API."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse

import httpx
import pytest
from fake_storage_api import TEST_KEY, TEST_URL, FakeStorageApi

from dawa_pipeline.storage import LocalStorage, StorageBackend, SupabaseStorage


@pytest.fixture
def fake_api() -> FakeStorageApi:
    return FakeStorageApi()


@pytest.fixture
def supabase_storage(fake_api: FakeStorageApi) -> Iterator[SupabaseStorage]:
    with httpx.Client(transport=fake_api.transport()) as client:
        yield SupabaseStorage(TEST_URL, TEST_KEY, client=client)


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture(params=["local", "supabase"])
def backend(request: pytest.FixtureRequest) -> StorageBackend:
    """Each backend in turn, so the contract tests prove they behave the same."""
    return request.getfixturevalue(f"{request.param}_storage")


@pytest.fixture
def read_signed_url(backend: StorageBackend, fake_api: FakeStorageApi) -> Callable[[str], bytes]:
    """Reads a signed URL as its user would: a file:// URL from disk, an https one without credentials."""

    def read(url: str) -> bytes:
        if isinstance(backend, LocalStorage):
            return Path(unquote(urlparse(url).path)).read_bytes()
        with httpx.Client(transport=fake_api.transport()) as anonymous:
            response = anonymous.get(url)
            response.raise_for_status()
            return response.content

    return read

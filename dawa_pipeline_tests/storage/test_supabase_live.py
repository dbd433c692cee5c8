"""The Supabase backend against the real hosted service; runs only when its credentials are set.

Needs SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and the dawa-exports bucket; works under a unique prefix and
removes what it wrote.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

from dawa_pipeline.storage import ObjectNotFound, SupabaseStorage

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("SUPABASE_URL") and os.environ.get("SUPABASE_SERVICE_ROLE_KEY")),
        reason="SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are not set",
    ),
]


@pytest.fixture
def live_storage() -> SupabaseStorage:
    return SupabaseStorage(os.environ["SUPABASE_URL"], os.environ["SUPABASE_SERVICE_ROLE_KEY"])


@pytest.fixture
def live_prefix(live_storage: SupabaseStorage) -> Iterator[str]:
    prefix = f"dawa-live-tests/{uuid.uuid4().hex}/"
    yield prefix
    live_storage.delete([obj.path for obj in live_storage.list(prefix)])


def test_put_list_get_sign_delete(live_storage: SupabaseStorage, live_prefix: str) -> None:
    paths = [f"{live_prefix}a/summary.json", f"{live_prefix}a-b.txt", f"{live_prefix}a/b/prompt.txt"]
    for number, path in enumerate(paths):
        live_storage.put(path, f"content {number}".encode(), content_type="text/plain")
    live_storage.put(paths[0], b"replaced", content_type="application/json")

    listed = list(live_storage.list(live_prefix))
    assert [obj.path for obj in listed] == sorted(paths)
    assert live_storage.get(paths[0]) == b"replaced"
    assert live_storage.exists(paths[1])

    signed = live_storage.signed_url(paths[1], expires_in=60)
    assert httpx.get(signed, timeout=30).content == b"content 1"

    live_storage.delete(paths)
    assert not live_storage.exists(paths[1])
    with pytest.raises(ObjectNotFound):
        live_storage.get(paths[1])
    assert list(live_storage.list(live_prefix)) == []

"""The Supabase backend against a real Storage server; runs only when its credentials are set.

Needs SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and the dawa-exports bucket (hosted, or the open-source server
started as ../shared/supabase-storage/README.md says); works under a unique prefix and removes what it
wrote. Prints the 200 MB round trip's times and peak RSS and the idle listing's request count (`-s`).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from dawa_pipeline.storage import ObjectNotFound, StorageError, SupabaseStorage

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (os.environ.get("SUPABASE_URL") and os.environ.get("SUPABASE_SERVICE_ROLE_KEY")),
        reason="SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY are not set",
    ),
]

MB = 1024 * 1024
ROUND_TRIP_BYTES = 200 * MB
PEAK_RSS_LIMIT_MB = 150
# The round trip runs in a fresh interpreter so that its peak RSS is the backend's alone: VmHWM, the peak of
# this process's own memory (ru_maxrss would carry over the parent's peak from before the exec).
ROUND_TRIP = """
import json, os, re, sys, time
from pathlib import Path
from dawa_pipeline.storage import SupabaseStorage
source, target, path = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
storage = SupabaseStorage(os.environ["SUPABASE_URL"], os.environ["SUPABASE_SERVICE_ROLE_KEY"])
started = time.perf_counter()
storage.put_file(path, source, "application/zip")
uploaded = time.perf_counter()
storage.download(path, target)
downloaded = time.perf_counter()
sha256 = storage.sha256(path)
hashed = time.perf_counter()
print(json.dumps({
    "upload_s": uploaded - started, "download_s": downloaded - uploaded, "sha256_s": hashed - downloaded,
    "sha256": sha256,
    "peak_rss_mb": int(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1]) / 1024,
}))
"""


def live(client: httpx.Client | None = None, **options: float) -> SupabaseStorage:
    return SupabaseStorage(
        os.environ["SUPABASE_URL"], os.environ["SUPABASE_SERVICE_ROLE_KEY"], client=client, **options
    )


@pytest.fixture
def live_storage() -> SupabaseStorage:
    return live()


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


def test_a_standard_upload_above_the_servers_cap_is_refused(live_prefix: str) -> None:
    """Why resumable uploads exist (Supabase's default standard cap is 50 MiB)."""
    standard_only = live(resumable_threshold=1024 * MB)
    with pytest.raises(StorageError, match="413"):
        standard_only.put(f"{live_prefix}too-big.bin", b"z" * 60 * MB)


def test_a_resumable_upload_replaces_and_lists_a_new_version(
    live_storage: SupabaseStorage, live_prefix: str
) -> None:
    path = f"{live_prefix}datasets/dataset.zip"
    first, second = os.urandom(13 * MB), os.urandom(13 * MB)
    live_storage.put(path, first, "application/zip")
    [before] = live_storage.list(live_prefix)
    live_storage.put(path, second, "application/zip")
    [after] = live_storage.list(live_prefix)
    assert (before.size, after.size) == (13 * MB, 13 * MB)
    assert before.version != after.version
    assert live_storage.sha256(path) == hashlib.sha256(second).hexdigest()


@pytest.mark.parametrize("server_kept_the_chunk", [True, False])
def test_a_dropped_connection_resumes(live_prefix: str, server_kept_the_chunk: bool) -> None:
    """The first chunk's connection drops, before the server got it or after (the answer lost): the backend
    asks the server for its offset and finishes the upload."""

    class DroppingOnce(httpx.HTTPTransport):
        dropped = False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method != "PATCH" or self.dropped:
                return super().handle_request(request)
            self.dropped = True
            if server_kept_the_chunk:
                super().handle_request(request).close()
            raise httpx.ReadError("connection reset by peer", request=request)

    transport = DroppingOnce()
    data = os.urandom(15 * MB)
    path = f"{live_prefix}resumed.bin"
    with httpx.Client(transport=transport, timeout=120) as client:
        live(client, resume_backoff=0).put(path, data)
    assert transport.dropped
    assert live().sha256(path) == hashlib.sha256(data).hexdigest()


def test_200_mb_round_trip_streams_within_150_mb_rss(live_prefix: str, tmp_path: Path) -> None:
    source, target = tmp_path / "big.zip", tmp_path / "back.zip"
    digest = hashlib.sha256()
    with source.open("wb") as out:
        for _ in range(ROUND_TRIP_BYTES // (8 * MB)):
            chunk = os.urandom(8 * MB)
            digest.update(chunk)
            out.write(chunk)
    done = subprocess.run(
        [sys.executable, "-c", ROUND_TRIP, str(source), str(target), f"{live_prefix}big.zip"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    print(f"\n200 MB round trip: {json.dumps(figures)}")
    assert figures["sha256"] == digest.hexdigest()
    assert target.stat().st_size == ROUND_TRIP_BYTES
    assert figures["peak_rss_mb"] <= PEAK_RSS_LIMIT_MB


def test_an_idle_listing_of_2000_uploads_takes_at_most_5_requests(
    live_storage: SupabaseStorage, live_prefix: str
) -> None:
    """What an idle upload-sensor tick asks: the artist folders, then each artist's uploads."""
    artists = f"{live_prefix}artists/"
    paths = [
        f"{artists}{slug}/uploads/Project {number % 7}/Set {number:04d}.als"
        for slug, count in (("nina-k", 1200), ("tom-b", 800))
        for number in range(count)
    ]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda path: live_storage.put(path, b"als"), paths))

    sent: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [sent.append]}, timeout=60) as client:
        counted = live(client)
        listed = [
            o.path for slug in counted.folders(artists) for o in counted.list(f"{artists}{slug}/uploads/")
        ]
    print(f"\nidle listing of {len(paths)} uploads: {len(sent)} requests")
    assert listed == sorted(paths)
    assert len(sent) <= 5

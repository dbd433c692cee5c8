"""SupabaseStorage at production sizes, at the HTTP transport: resumable (TUS) uploads above the threshold,
streamed downloads and hashes, and listings with list-v2 (the folder walk where a server lacks it)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fake_storage_api import SERVED_CHUNK_SIZE, TEST_KEY, TEST_URL, TUS_CHUNK_SIZE, FakeStorageApi

from dawa_pipeline.storage import StorageError, SupabaseStorage, layout
from dawa_pipeline.storage.backend import STREAM_CHUNK_SIZE

ZIP = "artists/nina-k/datasets/dataset-20260102T030405Z.zip"
MB = 1024 * 1024


@pytest.fixture
def small_threshold_storage(fake_api: FakeStorageApi) -> Iterator[SupabaseStorage]:
    """Resumable above 1 MB, and no wait before resuming, so tests stay small and quick."""
    with httpx.Client(transport=fake_api.transport()) as client:
        yield SupabaseStorage(TEST_URL, TEST_KEY, client=client, resumable_threshold=MB, resume_backoff=0)


def calls(fake_api: FakeStorageApi) -> list[tuple[str, str]]:
    return [(r.method, r.url.path.removeprefix("/storage/v1/")) for r in fake_api.requests]


def test_a_standard_upload_above_the_cap_is_refused_with_413(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage
) -> None:
    """Why resumable uploads exist: the server refuses large standard uploads (HTTP 400, 413 in the body)."""
    fake_api.standard_upload_cap = 1000
    with httpx.Client(transport=fake_api.transport()) as client:
        standard_only = SupabaseStorage(TEST_URL, TEST_KEY, client=client, resumable_threshold=10_000)
        with pytest.raises(StorageError, match=f"{ZIP}: .*413 Payload too large"):
            standard_only.put(ZIP, b"z" * 2000)
    assert ZIP not in fake_api.objects


def test_put_file_above_the_threshold_goes_up_in_6_mb_chunks(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage, tmp_path: Path
) -> None:
    fake_api.standard_upload_cap = 6 * MB
    source = tmp_path / "dataset.zip"
    source.write_bytes(os.urandom(13 * MB))
    supabase_storage.put_file(ZIP, source, "application/zip")
    stored = fake_api.objects[ZIP]
    assert (stored.data, stored.content_type) == (source.read_bytes(), "application/zip")
    create, *patches = fake_api.requests
    assert (create.method, create.url.path) == ("POST", "/storage/v1/upload/resumable")
    assert create.headers["x-upsert"] == "true" and create.headers["upload-length"] == str(13 * MB)
    metadata = dict(pair.split(" ") for pair in create.headers["upload-metadata"].split(","))
    assert {name: base64.b64decode(value).decode() for name, value in metadata.items()} == {
        "bucketName": "dawa-exports",
        "objectName": ZIP,
        "contentType": "application/zip",
        "cacheControl": "3600",
    }
    assert all(r.headers["x-upsert"] == "true" for r in patches)  # Supabase checks it at the first PATCH
    assert [(r.method, r.headers["upload-offset"], len(r.content)) for r in patches] == [
        ("PATCH", "0", TUS_CHUNK_SIZE),
        ("PATCH", str(TUS_CHUNK_SIZE), TUS_CHUNK_SIZE),
        ("PATCH", str(2 * TUS_CHUNK_SIZE), MB),
    ]


def test_put_at_or_below_the_threshold_is_one_standard_request(
    fake_api: FakeStorageApi, small_threshold_storage: SupabaseStorage
) -> None:
    small_threshold_storage.put("a/exactly.bin", b"x" * MB)
    assert calls(fake_api) == [("POST", "object/dawa-exports/a/exactly.bin")]


def test_resumable_upload_replaces_an_existing_object(
    fake_api: FakeStorageApi, small_threshold_storage: SupabaseStorage
) -> None:
    fake_api.seed(ZIP, b"old")
    new = os.urandom(2 * MB)
    small_threshold_storage.put(ZIP, new, "application/zip")
    assert fake_api.objects[ZIP].data == new


def test_a_dropped_connection_resumes_from_the_servers_offset(
    fake_api: FakeStorageApi, small_threshold_storage: SupabaseStorage, tmp_path: Path
) -> None:
    """The connection drops twice mid-chunk after the server kept part of it: the backend asks (HEAD) how far
    the server got and sends the rest from there, without starting over."""
    source = tmp_path / "dataset.zip"
    source.write_bytes(os.urandom(TUS_CHUNK_SIZE + 3 * MB))
    fake_api.drop_patches_after = [1234, 0]
    small_threshold_storage.put_file(ZIP, source, "application/zip")
    assert fake_api.objects[ZIP].data == source.read_bytes()
    offsets = [(r.method, r.headers.get("upload-offset")) for r in fake_api.requests[1:]]
    assert offsets == [
        ("PATCH", "0"),  # dropped after 1234 bytes
        ("HEAD", None),
        ("PATCH", "1234"),  # dropped before any byte was kept
        ("HEAD", None),
        ("PATCH", "1234"),
        ("PATCH", str(1234 + TUS_CHUNK_SIZE)),
    ]
    assert len(fake_api.tus_uploads) == 1


def test_an_upload_that_keeps_dropping_gives_up_naming_the_object_and_offset(
    fake_api: FakeStorageApi, small_threshold_storage: SupabaseStorage
) -> None:
    fake_api.drop_patches_after = [0] * 20
    with pytest.raises(StorageError, match=f"{ZIP}: resumable upload .* stopped at byte 0 of {2 * MB}"):
        small_threshold_storage.put(ZIP, b"z" * 2 * MB)
    assert ZIP not in fake_api.objects


def test_a_refused_resumable_upload_is_not_retried(
    fake_api: FakeStorageApi, small_threshold_storage: SupabaseStorage
) -> None:
    fake_api.queued_failures.append(httpx.Response(400, json={"statusCode": "403", "error": "Unauthorized"}))
    with pytest.raises(StorageError, match=f"{ZIP}: .*403"):
        small_threshold_storage.put(ZIP, b"z" * 2 * MB)
    assert calls(fake_api) == [("POST", "upload/resumable")]


def test_download_streams_without_holding_the_object(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage, tmp_path: Path
) -> None:
    """Each chunk reaches the file while the server has sent at most a chunk more: the object is never whole
    in the backend's hands."""
    data = os.urandom(20 * MB)
    fake_api.seed(ZIP, data)
    target = tmp_path / "out.zip"
    ahead: list[int] = []

    class Watched:
        written = 0

        def write(self, chunk: bytes) -> None:
            assert len(chunk) <= STREAM_CHUNK_SIZE
            self.written += len(chunk)
            ahead.append(fake_api.bytes_served - self.written)

    supabase_storage.stream_to(ZIP, Watched().write)
    assert len(ahead) >= 20 and max(ahead) <= STREAM_CHUNK_SIZE + SERVED_CHUNK_SIZE
    supabase_storage.download(ZIP, target)
    assert target.read_bytes() == data


def test_sha256_is_computed_while_streaming(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage
) -> None:
    data = os.urandom(3 * MB)
    fake_api.seed(ZIP, data)
    assert supabase_storage.sha256(ZIP) == hashlib.sha256(data).hexdigest()
    assert calls(fake_api) == [("GET", f"object/dawa-exports/{ZIP}")]


def seed_uploads(fake_api: FakeStorageApi, counts: dict[str, int]) -> list[str]:
    paths = [
        layout.upload_path(slug, f"Project {number % 7}", f"Set {number:04d}.als")
        for slug, count in counts.items()
        for number in range(count)
    ]
    for path in paths:
        fake_api.seed(path, b"als")
    return paths


def test_an_idle_listing_of_2000_uploads_takes_few_requests(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage
) -> None:
    """What an idle upload-sensor tick asks: the artist folders, then each artist's uploads (list-v2 pages of
    1000, in no particular order from the server), sorted by path here."""
    paths = seed_uploads(fake_api, {"nina-k": 1200, "tom-b": 800})
    listed = [
        o.path
        for slug in supabase_storage.folders("artists/")
        for o in supabase_storage.list(f"artists/{slug}/uploads/")
    ]
    assert listed == sorted(paths)
    assert len(fake_api.requests) <= 5
    assert calls(fake_api) == [
        ("POST", "object/list/dawa-exports"),
        ("POST", "object/list-v2/dawa-exports"),
        ("POST", "object/list-v2/dawa-exports"),
        ("POST", "object/list-v2/dawa-exports"),
    ]
    bodies = [json.loads(r.content) for r in fake_api.requests[1:]]
    assert [(b["prefix"], b["with_delimiter"], "cursor" in b) for b in bodies] == [
        ("artists/nina-k/uploads/", False, False),
        ("artists/nina-k/uploads/", False, True),
        ("artists/tom-b/uploads/", False, False),
    ]


def test_list_v2_keeps_to_the_folder(fake_api: FakeStorageApi, supabase_storage: SupabaseStorage) -> None:
    """A prefix is a folder: "artists/a" never lists "artists/ab/..." even if a server matched it."""
    for path in ("artists/a/x.txt", "artists/ab/y.txt"):
        fake_api.seed(path, b"x")
    assert [o.path for o in supabase_storage.list("artists/a")] == ["artists/a/x.txt"]


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            404, json={"statusCode": "404", "error": "Not Found", "message": "Route POST:/x not found"}
        ),
        httpx.Response(
            400, json={"statusCode": "404", "error": "Bucket not found", "message": "Bucket not found"}
        ),
        httpx.Response(
            400, json={"statusCode": "400", "error": "FeatureNotEnabled", "message": "not for you"}
        ),
        httpx.Response(404, text="404 page not found"),
    ],
    ids=["no-route", "old-router", "feature-off", "bare-404"],
)
def test_without_list_v2_the_folder_walk_lists_and_is_kept(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage, answer: httpx.Response
) -> None:
    paths = seed_uploads(fake_api, {"nina-k": 30})
    fake_api.queued_failures.append(answer)
    assert [o.path for o in supabase_storage.list("artists/")] == sorted(paths)
    assert [o.path for o in supabase_storage.list("artists/nina-k/uploads/Project 1/")] == sorted(
        p for p in paths if "/Project 1/" in p
    )
    listed_with = [path for method, path in calls(fake_api)]
    assert listed_with.count("object/list-v2/dawa-exports") == 1
    assert listed_with[-1] == "object/list/dawa-exports"


def test_list_v2_errors_other_than_a_missing_route_are_storage_errors(
    fake_api: FakeStorageApi, supabase_storage: SupabaseStorage
) -> None:
    fake_api.queued_failures.append(httpx.Response(503, text="upstream connect error"))
    with pytest.raises(StorageError, match=r"artists: .*503"):
        list(supabase_storage.list("artists/"))

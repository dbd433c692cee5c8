"""SupabaseStorage checked at the HTTP transport: the requests it sends and how it reads the answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fake_storage_api import SIGNATURE, TEST_KEY, TEST_URL, FakeStorageApi

from dawa_pipeline.settings import Settings, load_settings
from dawa_pipeline.storage import (
    InvalidObjectPath,
    LocalStorage,
    ObjectNotFound,
    StorageConfigError,
    StorageError,
    SupabaseStorage,
    storage_from_settings,
)

OBJECT = "artists/nina-k/daw-data/Summer EP/Track 01/p1/summary.json"
OBJECT_URL_PATH = f"/storage/v1/object/dawa-exports/{OBJECT}"


def list_bodies(fake_api: FakeStorageApi) -> list[dict]:
    return [
        json.loads(r.content) for r in fake_api.requests if r.url.path.endswith("/object/list/dawa-exports")
    ]


def test_put_uploads_with_upsert_to_the_bucket(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi
) -> None:
    supabase_storage.put(OBJECT, b'{"tempo": 124}', content_type="application/json")
    [request] = fake_api.requests
    assert (request.method, request.url.host, request.url.path) == (
        "POST",
        "project-ref.supabase.co",
        OBJECT_URL_PATH,
    )
    assert request.url.raw_path.decode().endswith("/Summer%20EP/Track%2001/p1/summary.json")
    assert request.headers["x-upsert"] == "true"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"
    assert request.headers["apikey"] == TEST_KEY
    assert fake_api.objects[OBJECT].data == b'{"tempo": 124}'
    assert fake_api.objects[OBJECT].content_type == "application/json"


def test_put_file_uploads_the_whole_file(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi, tmp_path: Path
) -> None:
    source = tmp_path / "dataset.zip"
    source.write_bytes(bytes(range(256)) * 4000)
    supabase_storage.put_file("artists/a/datasets/dataset-20260102T030405Z.zip", source, "application/zip")
    stored = fake_api.objects["artists/a/datasets/dataset-20260102T030405Z.zip"]
    assert (stored.data, stored.content_type) == (source.read_bytes(), "application/zip")


def test_put_file_of_a_missing_local_file_names_it(supabase_storage: SupabaseStorage, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=re.escape("missing.zip")):
        supabase_storage.put_file("a/b.zip", tmp_path / "missing.zip")


def test_get_downloads_the_object(supabase_storage: SupabaseStorage, fake_api: FakeStorageApi) -> None:
    fake_api.seed(OBJECT, b"{}")
    assert supabase_storage.get(OBJECT) == b"{}"
    assert [(r.method, r.url.path) for r in fake_api.requests] == [("GET", OBJECT_URL_PATH)]


def test_download_writes_the_local_file(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi, tmp_path: Path
) -> None:
    fake_api.seed("artists/a/uploads/p/s.als", b"gzip bytes")
    supabase_storage.download("artists/a/uploads/p/s.als", tmp_path / "in" / "s.als")
    assert (tmp_path / "in" / "s.als").read_bytes() == b"gzip bytes"


def test_exists_asks_for_the_object_info(supabase_storage: SupabaseStorage, fake_api: FakeStorageApi) -> None:
    fake_api.seed(OBJECT, b"{}")
    assert supabase_storage.exists(OBJECT)
    assert not supabase_storage.exists(OBJECT + ".old")
    assert [r.url.path for r in fake_api.requests] == [
        f"/storage/v1/object/info/dawa-exports/{OBJECT}",
        f"/storage/v1/object/info/dawa-exports/{OBJECT}.old",
    ]


def test_delete_sends_the_paths_as_prefixes(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi
) -> None:
    fake_api.seed("a/1.txt", b"1")
    supabase_storage.delete(["a/1.txt", "a/2.txt"])
    [request] = fake_api.requests
    assert (request.method, request.url.path) == ("DELETE", "/storage/v1/object/dawa-exports")
    assert json.loads(request.content) == {"prefixes": ["a/1.txt", "a/2.txt"]}
    assert fake_api.objects == {}


def test_delete_of_nothing_sends_nothing(supabase_storage: SupabaseStorage, fake_api: FakeStorageApi) -> None:
    supabase_storage.delete([])
    assert fake_api.requests == []


def test_list_walks_folders_and_pages_where_the_server_has_no_list_v2(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi
) -> None:
    """An older server without list-v2: 2500 sets in one folder take three pages of 1000; folders come back as
    entries and are walked."""
    fake_api.has_list_v2 = False
    sets = [f"artists/a/uploads/p/set-{number:04d}.als" for number in range(2500)]
    for path in sets:
        fake_api.seed(path, b"als")
    fake_api.seed("artists/a/profile/fingerprint.png", b"png")
    listed = [obj.path for obj in supabase_storage.list("artists/a/")]
    assert listed == ["artists/a/profile/fingerprint.png", *sets]
    sort_by = {"column": "name", "order": "asc"}
    assert list_bodies(fake_api) == [
        {"prefix": "artists/a", "limit": 1000, "offset": 0, "sortBy": sort_by},
        {"prefix": "artists/a/profile", "limit": 1000, "offset": 0, "sortBy": sort_by},
        {"prefix": "artists/a/uploads", "limit": 1000, "offset": 0, "sortBy": sort_by},
        {"prefix": "artists/a/uploads/p", "limit": 1000, "offset": 0, "sortBy": sort_by},
        {"prefix": "artists/a/uploads/p", "limit": 1000, "offset": 1000, "sortBy": sort_by},
        {"prefix": "artists/a/uploads/p", "limit": 1000, "offset": 2000, "sortBy": sort_by},
    ]


def test_list_is_lazy(supabase_storage: SupabaseStorage, fake_api: FakeStorageApi) -> None:
    for folder in "cba":
        fake_api.seed(f"{folder}/x.txt", b"x")
    listing = supabase_storage.list("", limit=1)
    assert fake_api.requests == []
    assert [obj.path for obj in listing] == ["a/x.txt"]
    assert [r.url.path for r in fake_api.requests] == ["/storage/v1/object/list-v2/dawa-exports"]


@pytest.mark.parametrize("list_v2", [True, False])
def test_list_reads_size_time_and_etag(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi, list_v2: bool
) -> None:
    fake_api.has_list_v2 = list_v2
    fake_api.seed("a/x.bin", b"12345")
    [listed] = supabase_storage.list("a")
    assert (listed.path, listed.size) == ("a/x.bin", 5)
    assert listed.updated_at == fake_api.objects["a/x.bin"].updated_at
    assert listed.version == fake_api.objects["a/x.bin"].etag


def test_signed_url_is_absolute(supabase_storage: SupabaseStorage, fake_api: FakeStorageApi) -> None:
    fake_api.seed(OBJECT, b"{}")
    url = httpx.URL(supabase_storage.signed_url(OBJECT, expires_in=600))
    assert (url.host, url.path, url.params["token"]) == (
        "project-ref.supabase.co",
        f"/storage/v1/object/sign/dawa-exports/{OBJECT}",
        SIGNATURE,
    )
    [request] = fake_api.requests
    assert (request.method, json.loads(request.content)) == ("POST", {"expiresIn": "600"})


def test_missing_object_is_object_not_found(supabase_storage: SupabaseStorage) -> None:
    with pytest.raises(ObjectNotFound, match=f"{OBJECT}: no such object in bucket dawa-exports"):
        supabase_storage.get(OBJECT)
    with pytest.raises(ObjectNotFound, match=OBJECT):
        supabase_storage.signed_url(OBJECT)


def test_missing_object_sent_as_plain_404_is_object_not_found(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi
) -> None:
    """Storage answers a missing object with HTTP 400 and statusCode "404" in the body (the fake does too); a
    plain 404 from a server or proxy that sends one is read the same way."""
    fake_api.queued_failures.append(httpx.Response(404, json={"statusCode": "404", "error": "not_found"}))
    with pytest.raises(ObjectNotFound, match=OBJECT):
        supabase_storage.get(OBJECT)
    assert fake_api.requests[-1].url.path == OBJECT_URL_PATH
    with pytest.raises(ObjectNotFound, match=OBJECT):
        supabase_storage.sha256(OBJECT)


def test_server_errors_name_the_path_and_status(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi
) -> None:
    fake_api.queued_failures.append(httpx.Response(503, text="upstream connect error"))
    with pytest.raises(StorageError, match=f"{OBJECT}: .*503") as raised:
        supabase_storage.put(OBJECT, b"{}")
    assert not isinstance(raised.value, ObjectNotFound)


def test_a_missing_bucket_is_not_a_missing_object(fake_api: FakeStorageApi) -> None:
    with httpx.Client(transport=fake_api.transport()) as client:
        storage = SupabaseStorage(TEST_URL, TEST_KEY, bucket="no-such-bucket", client=client)
        with pytest.raises(StorageError, match="Bucket not found") as raised:
            storage.exists(OBJECT)
    assert not isinstance(raised.value, ObjectNotFound)


def test_a_wrong_key_is_a_storage_error(fake_api: FakeStorageApi) -> None:
    with httpx.Client(transport=fake_api.transport()) as client:
        storage = SupabaseStorage(TEST_URL, "wrong-key", client=client)
        with pytest.raises(StorageError, match="403 Unauthorized"):
            list(storage.list("artists/"))


def test_network_failures_name_the_path(fake_api: FakeStorageApi) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(refuse)) as client:
        storage = SupabaseStorage(TEST_URL, TEST_KEY, client=client)
        with pytest.raises(StorageError, match=f"{OBJECT}: request to Supabase Storage failed"):
            storage.get(OBJECT)


def test_unsafe_paths_never_reach_the_network(
    supabase_storage: SupabaseStorage, fake_api: FakeStorageApi
) -> None:
    for crafted in ("../x", "a/../../x", "/a", "a//b", "a\\b"):
        with pytest.raises(InvalidObjectPath):
            supabase_storage.put(crafted, b"x")
    assert fake_api.requests == []


def test_describe_gives_the_object_url(supabase_storage: SupabaseStorage) -> None:
    assert supabase_storage.describe(OBJECT) == f"{TEST_URL}{OBJECT_URL_PATH}"


def settings(storage: str, url: str | None = None, key: str | None = None) -> Settings:
    return Settings(
        home=Path("/tmp/dawa-home"),
        database_url=None,
        storage=storage,
        supabase_url=url,
        supabase_service_role_key=key,
        openai_api_key=None,
        openai_base_url=None,
        prompt_model="m",
    )


def test_storage_from_settings_picks_the_backend() -> None:
    local = storage_from_settings(settings("local"))
    assert isinstance(local, LocalStorage) and local.root == Path("/tmp/dawa-home/storage")
    remote = storage_from_settings(settings("supabase", TEST_URL, TEST_KEY))
    assert isinstance(remote, SupabaseStorage) and remote.bucket == "dawa-exports"


def test_storage_from_settings_names_what_is_missing() -> None:
    with pytest.raises(StorageConfigError, match="needs SUPABASE_SERVICE_ROLE_KEY in the environment"):
        storage_from_settings(settings("supabase", TEST_URL, None))
    with pytest.raises(StorageConfigError, match="needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"):
        storage_from_settings(settings("supabase"))
    with pytest.raises(StorageConfigError, match="'s3' is not one of"):
        storage_from_settings(settings("s3"))


def test_a_bad_supabase_url_is_a_configuration_error() -> None:
    with pytest.raises(StorageConfigError, match="not usable"):
        SupabaseStorage("project-ref.supabase.co", TEST_KEY)


def test_the_resumable_threshold_comes_from_the_environment() -> None:
    environ = {"DAWA_STORAGE": "supabase", "SUPABASE_URL": TEST_URL, "SUPABASE_SERVICE_ROLE_KEY": TEST_KEY}
    default = storage_from_settings(load_settings(environ))
    assert isinstance(default, SupabaseStorage) and default.resumable_threshold == 6 * 1024 * 1024
    chosen = storage_from_settings(load_settings(environ | {"DAWA_STORAGE_RESUMABLE_THRESHOLD": "1048576"}))
    assert isinstance(chosen, SupabaseStorage) and chosen.resumable_threshold == 1048576
    with pytest.raises(
        ValueError, match="DAWA_STORAGE_RESUMABLE_THRESHOLD='6MB' is not a whole number of bytes"
    ):
        load_settings(environ | {"DAWA_STORAGE_RESUMABLE_THRESHOLD": "6MB"})

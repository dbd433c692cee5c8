"""Storage in a Supabase Storage bucket (production). storage3 (the `supabase` client) makes the small calls;
objects stream through plain httpx: resumable (TUS) uploads above a size threshold, chunked downloads, and
one-request-per-1000-objects listings with list-v2 (the folder walk where a server lacks it)."""

from __future__ import annotations

import base64
import io
import itertools
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import httpx
from storage3.exceptions import StorageApiError
from supabase import ClientOptions, SupabaseException, create_client

from dawa_pipeline.settings import BUCKET, DEFAULT_RESUMABLE_THRESHOLD
from dawa_pipeline.storage.backend import (
    DEFAULT_CONTENT_TYPE,
    STREAM_CHUNK_SIZE,
    ChunkWriter,
    ObjectNotFound,
    StorageBackend,
    StorageConfigError,
    StorageError,
    StoredObject,
    check_expires_in,
    check_limit,
    folder_segments,
    object_path_segments,
    walk_order,
)

LIST_PAGE_SIZE = 1000  # Supabase's list is per folder, paginated by limit/offset
LIST_V2_PAGE_SIZE = 1000  # list-v2's most objects per request
REMOVE_BATCH_SIZE = 1000
TUS_CHUNK_SIZE = 6 * 1024 * 1024  # Supabase takes TUS uploads in 6 MB chunks (the last may be shorter)
# Every TUS request carries x-upsert: Supabase checks it when the first chunk arrives, not only at creation.
TUS_HEADERS = {"Tus-Resumable": "1.0.0", "x-upsert": "true"}
RESUME_ATTEMPTS = 5  # dropped or refused chunks in a row before an upload gives up
# Answers to a chunk after which asking the server for its offset and resending can succeed.
_RESUMABLE_STATUSES = frozenset({409, 423, 429, 500, 502, 503, 504})
# Connecting is quick or hopeless; reads and writes of dataset zips may take minutes.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, write=600.0, read=600.0)
_MISSING_OBJECT_CODES = ("not_found", "NoSuchKey")


class SupabaseStorage(StorageBackend):
    """Objects in one bucket of Supabase Storage, reached with the service role key (which bypasses RLS).

    `client` is the httpx client every request goes through; tests pass one with an httpx.MockTransport.
    Objects larger than `resumable_threshold` bytes go up with TUS; `resume_backoff` seconds (times the
    attempt) pass before a dropped chunk is resumed.
    """

    def __init__(
        self,
        url: str,
        service_role_key: str,
        bucket: str = BUCKET,
        client: httpx.Client | None = None,
        *,
        resumable_threshold: int = DEFAULT_RESUMABLE_THRESHOLD,
        resume_backoff: float = 1.0,
    ) -> None:
        if not url or not service_role_key:
            raise StorageConfigError("Supabase Storage needs the project URL and the service role key")
        http_client = client or httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=True)
        try:
            supabase = create_client(url, service_role_key, options=ClientOptions(httpx_client=http_client))
        except SupabaseException as exc:
            raise StorageConfigError(f"Supabase URL {url!r} is not usable: {exc}") from exc
        self.bucket = bucket
        self.resumable_threshold = resumable_threshold
        self.resume_backoff = resume_backoff
        self._http = http_client
        self._auth = {"apikey": service_role_key, "Authorization": f"Bearer {service_role_key}"}
        self._storage_url = str(supabase.storage_url).rstrip("/") + "/"
        self._objects_url = f"{self._storage_url}object/{bucket}/"
        self._files = supabase.storage.from_(bucket)
        self._has_list_v2 = True  # until the server says it has no such route

    @contextmanager
    def _errors_named(self, path: str) -> Iterator[None]:
        """Storage API and transport failures as StorageError (ObjectNotFound for a missing object) naming the
        path and the bucket."""
        try:
            yield
        except StorageApiError as exc:
            if _is_missing_object(exc):
                raise ObjectNotFound(path, f"no such object in bucket {self.bucket}") from exc
            problem = f"Supabase Storage bucket {self.bucket} answered {exc.status} {exc.code}: {exc.message}"
            raise StorageError(path, problem) from exc
        except httpx.HTTPError as exc:
            raise StorageError(path, f"request to Supabase Storage failed: {exc!r}") from exc

    def put(self, path: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        object_path_segments(path)
        if len(data) > self.resumable_threshold:
            self._upload_resumable(path, io.BytesIO(data), len(data), content_type)
        else:
            self._upload_standard(path, data, content_type)

    def put_file(self, path: str, local_path: Path, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        object_path_segments(path)
        if not local_path.is_file():
            raise FileNotFoundError(f"{local_path}: no such file to upload to {self.describe(path)}")
        size = local_path.stat().st_size
        if size <= self.resumable_threshold:
            self._upload_standard(path, local_path, content_type)
            return
        with local_path.open("rb") as source:
            self._upload_resumable(path, source, size, content_type)

    def _upload_standard(self, path: str, content: bytes | Path, content_type: str) -> None:
        with self._errors_named(path):
            self._files.upload(path, content, {"content-type": content_type, "upsert": "true"})

    def _upload_resumable(self, path: str, source: BinaryIO, size: int, content_type: str) -> None:
        """TUS: create the upload, then send TUS_CHUNK_SIZE chunks read from `source` one at a time. After a
        dropped connection or a retryable answer, ask the server (HEAD) how many bytes it has and go on from
        there; RESUME_ATTEMPTS failures in a row give up."""
        with self._errors_named(path):
            upload_url = self._create_upload(path, size, content_type)
        offset, failures, problem = 0, 0, ""
        while offset < size:
            try:
                if failures:
                    time.sleep(self.resume_backoff * failures)
                    offset = self._upload_offset(upload_url, path)
                    if offset >= size:
                        break
                length = min(TUS_CHUNK_SIZE, size - offset)
                response = self._http.patch(
                    upload_url,
                    content=_read_range(source, offset, length),
                    headers={
                        **self._auth,
                        **TUS_HEADERS,
                        "Upload-Offset": str(offset),
                        "Content-Length": str(length),
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
            except httpx.TransportError as exc:
                failures, problem = failures + 1, repr(exc)
            else:
                if response.is_success:
                    offset, failures = int(response.headers["Upload-Offset"]), 0
                    continue
                if response.status_code not in _RESUMABLE_STATUSES:
                    with self._errors_named(path):
                        _raise_for_status(response)
                failures, problem = failures + 1, f"HTTP {response.status_code} {response.text[:200]}"
            if failures > RESUME_ATTEMPTS:
                raise StorageError(
                    path,
                    f"resumable upload to bucket {self.bucket} stopped at byte {offset} of {size} after "
                    f"{failures} failed attempts in a row; last: {problem}",
                )

    def _create_upload(self, path: str, size: int, content_type: str) -> str:
        metadata = {
            "bucketName": self.bucket,
            "objectName": path,
            "contentType": content_type,
            "cacheControl": "3600",
        }
        encoded = ",".join(
            f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
        )
        response = self._http.post(
            f"{self._storage_url}upload/resumable",
            headers={
                **self._auth,
                **TUS_HEADERS,
                "Upload-Length": str(size),
                "Upload-Metadata": encoded,
            },
        )
        _raise_for_status(response)
        location = response.headers.get("Location")
        if not location:
            raise StorageError(
                path, f"Supabase Storage created a resumable upload without a Location ({self.bucket})"
            )
        return str(response.url.join(location))

    def _upload_offset(self, upload_url: str, path: str) -> int:
        """How many bytes of the upload the server holds (TUS HEADs answer Upload-Offset)."""
        response = self._http.head(upload_url, headers={**self._auth, **TUS_HEADERS})
        if not response.is_success:
            with self._errors_named(path):
                _raise_for_status(response)
        return int(response.headers["Upload-Offset"])

    def stream_to(self, path: str, write: ChunkWriter) -> None:
        object_path_segments(path)
        with (
            self._errors_named(path),
            self._http.stream("GET", self._objects_url + quote(path), headers=self._auth) as response,
        ):
            _raise_for_status(response)
            for chunk in response.iter_bytes(STREAM_CHUNK_SIZE):
                write(chunk)

    def exists(self, path: str) -> bool:
        object_path_segments(path)
        try:
            with self._errors_named(path):
                self._files.info(path)
        except ObjectNotFound:
            return False
        return True

    def delete(self, paths: Sequence[str]) -> None:
        for path in paths:
            object_path_segments(path)
        for start in range(0, len(paths), REMOVE_BATCH_SIZE):
            batch = list(paths[start : start + REMOVE_BATCH_SIZE])
            with self._errors_named(f"{batch[0]} and {len(batch) - 1} more" if len(batch) > 1 else batch[0]):
                self._files.remove(batch)

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[StoredObject]:
        check_limit(limit)
        return itertools.islice(self._listing("/".join(folder_segments(prefix))), limit)

    def folders(self, prefix: str) -> list[str]:
        entries = self._folder_entries("/".join(folder_segments(prefix)))
        return sorted(entry["name"] for entry in entries if _is_folder(entry))

    def _listing(self, folder: str) -> Iterator[StoredObject]:
        """list-v2 where the server has it (read whole, then sorted: its order is not promised), else the
        folder walk; a server found without list-v2 is walked from then on."""
        if self._has_list_v2:
            listed = self._list_v2(folder)
            if listed is not None:
                yield from sorted(listed, key=lambda obj: obj.path)
                return
            self._has_list_v2 = False
        yield from self._walk(folder)

    def _list_v2(self, folder: str) -> list[StoredObject] | None:
        """Every object under `folder` through POST /object/list-v2 (recursive: no delimiter), following the
        cursor; None when the server has no list-v2."""
        prefix = f"{folder}/" if folder else ""
        found: list[StoredObject] = []
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {"prefix": prefix, "limit": LIST_V2_PAGE_SIZE, "with_delimiter": False}
            if cursor:
                body["cursor"] = cursor
            with self._errors_named(folder or "/"):
                response = self._http.post(
                    f"{self._storage_url}object/list-v2/{self.bucket}", json=body, headers=self._auth
                )
                if not found and cursor is None and _lacks_list_v2(response):
                    return None
                _raise_for_status(response)
            page = response.json()
            found.extend(
                _stored_object(entry["name"], entry)
                for entry in page.get("objects") or []
                if entry["name"].startswith(prefix)
            )
            cursor = page.get("nextCursor")
            if not page.get("hasNext") or not cursor:
                return found

    def _walk(self, folder: str) -> Iterator[StoredObject]:
        """Depth first in walk_order, whatever order the server sorts names in (folders come back with id
        None). A folder's listing is read whole (LIST_PAGE_SIZE entries a request) before its first object is
        yielded; subfolders are read only when the walk reaches them."""
        entries = sorted(self._folder_entries(folder), key=lambda e: walk_order(e["name"], _is_folder(e)))
        key_prefix = f"{folder}/" if folder else ""
        for entry in entries:
            if _is_folder(entry):
                yield from self._walk(key_prefix + entry["name"])
            else:
                yield _stored_object(key_prefix + entry["name"], entry)

    def _folder_entries(self, folder: str) -> Iterator[dict[str, Any]]:
        for offset in itertools.count(step=LIST_PAGE_SIZE):
            with self._errors_named(folder or "/"):
                page = self._files.list(folder, {"limit": LIST_PAGE_SIZE, "offset": offset})
            yield from page
            if len(page) < LIST_PAGE_SIZE:
                return

    def signed_url(self, path: str, expires_in: int = 3600) -> str:
        object_path_segments(path)
        check_expires_in(expires_in)
        with self._errors_named(path):
            signed = self._files.create_signed_url(path, expires_in)["signedURL"]
        if not signed:
            raise StorageError(path, f"Supabase Storage bucket {self.bucket} returned no signed URL")
        return signed

    def describe(self, path: str) -> str:
        return self._objects_url + path


def _read_range(source: BinaryIO, offset: int, length: int) -> Iterator[bytes]:
    """`length` bytes of `source` from `offset`, read as they are sent: a request body that holds no more than
    one STREAM_CHUNK_SIZE piece (httpx keeps a sent request's bytes until its response is collected)."""
    source.seek(offset)
    while length > 0:
        piece = source.read(min(STREAM_CHUNK_SIZE, length))
        if not piece:
            return
        length -= len(piece)
        yield piece


def _raise_for_status(response: httpx.Response) -> None:
    """An error answer as the StorageApiError storage3 raises for its own calls (message, error, statusCode
    from the JSON body; InternalError with the HTTP status when the body is not that)."""
    if response.is_success:
        return
    response.read()
    try:
        body = response.json()
        error = StorageApiError(str(body["message"]), str(body["error"]), body["statusCode"])
    except (KeyError, TypeError, ValueError):
        error = StorageApiError(
            f"Unable to parse error message: {response.text[:500]}", "InternalError", response.status_code
        )
    raise error


def _lacks_list_v2(response: httpx.Response) -> bool:
    """The server has no list-v2: its router does not know the route (404 "Route POST:... not found", or a
    bare 404 from a proxy), the tenant's schema is too old (FeatureNotEnabled), or an older router took
    "list-v2" for a bucket name ("Bucket not found"). A bucket that is really missing then fails the folder
    walk with the same answer, so nothing is hidden."""
    if response.status_code not in (400, 404, 405):
        return False
    try:
        body = response.json()
    except ValueError:
        return response.status_code in (404, 405)
    if not isinstance(body, dict):
        return False
    if (
        "FeatureNotEnabled" in (body.get("code"), body.get("error"))
        or body.get("error") == "Bucket not found"
    ):
        return True
    return body.get("error") == "Not Found" and str(body.get("message", "")).startswith("Route ")


def _is_missing_object(exc: StorageApiError) -> bool:
    """A missing object, not a missing bucket or a bad key: Storage says 404 "not_found" (older servers send
    it with HTTP 400); a 404 without a readable body is taken as missing too."""
    if exc.code in _MISSING_OBJECT_CODES:
        return True
    return str(exc.status) == "404" and exc.code == "InternalError"


def _is_folder(entry: dict[str, Any]) -> bool:
    return entry.get("id") is None


def _stored_object(path: str, entry: dict[str, Any]) -> StoredObject:
    """A listing entry (list or list-v2) as a StoredObject; the version is the ETag Storage keeps in the
    object's metadata, or its size and time when a server lists none."""
    metadata = entry.get("metadata") or {}
    stamp = entry.get("updated_at") or entry.get("created_at")
    if stamp is None:
        raise StorageError(path, "Supabase Storage listed the object without a timestamp")
    updated_at = datetime.fromisoformat(stamp)
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    size = int(metadata.get("size", 0))
    version = str(metadata.get("eTag") or f"{size}-{updated_at.isoformat()}")
    return StoredObject(path=path, size=size, updated_at=updated_at.astimezone(UTC), version=version)

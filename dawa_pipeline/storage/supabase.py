"""Storage in a Supabase Storage bucket (production), through the `supabase` client's storage3 API."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from storage3.exceptions import StorageApiError
from supabase import ClientOptions, SupabaseException, create_client

from dawa_pipeline.settings import BUCKET
from dawa_pipeline.storage.backend import (
    DEFAULT_CONTENT_TYPE,
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
REMOVE_BATCH_SIZE = 1000
# Connecting is quick or hopeless; reads and writes of dataset zips may take minutes.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0, write=600.0, read=600.0)
_MISSING_OBJECT_CODES = ("not_found", "NoSuchKey")


class SupabaseStorage(StorageBackend):
    """Objects in one bucket of Supabase Storage, reached with the service role key (which bypasses RLS).

    `client` is the httpx client every request goes through; tests pass one with an httpx.MockTransport.
    """

    def __init__(
        self,
        url: str,
        service_role_key: str,
        bucket: str = BUCKET,
        client: httpx.Client | None = None,
    ) -> None:
        if not url or not service_role_key:
            raise StorageConfigError("Supabase Storage needs the project URL and the service role key")
        http_client = client or httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=True)
        try:
            supabase = create_client(url, service_role_key, options=ClientOptions(httpx_client=http_client))
        except SupabaseException as exc:
            raise StorageConfigError(f"Supabase URL {url!r} is not usable: {exc}") from exc
        self.bucket = bucket
        self._objects_url = f"{supabase.storage_url}object/{bucket}/"
        self._files = supabase.storage.from_(bucket)

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
        self._upload(path, data, content_type)

    def put_file(self, path: str, local_path: Path, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        if not local_path.is_file():
            raise FileNotFoundError(f"{local_path}: no such file to upload to {self.describe(path)}")
        self._upload(path, local_path, content_type)

    def _upload(self, path: str, content: bytes | Path, content_type: str) -> None:
        object_path_segments(path)
        with self._errors_named(path):
            self._files.upload(path, content, {"content-type": content_type, "upsert": "true"})

    def get(self, path: str) -> bytes:
        object_path_segments(path)
        with self._errors_named(path):
            return self._files.download(path)

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
        return itertools.islice(self._walk("/".join(folder_segments(prefix))), limit)

    def folders(self, prefix: str) -> list[str]:
        entries = self._folder_entries("/".join(folder_segments(prefix)))
        return sorted(entry["name"] for entry in entries if _is_folder(entry))

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


def _is_missing_object(exc: StorageApiError) -> bool:
    """A missing object, not a missing bucket or a bad key: Storage says 404 "not_found" (older servers send
    it with HTTP 400); a 404 without a readable body is taken as missing too."""
    if exc.code in _MISSING_OBJECT_CODES:
        return True
    return str(exc.status) == "404" and exc.code == "InternalError"


def _is_folder(entry: dict[str, Any]) -> bool:
    return entry.get("id") is None


def _stored_object(path: str, entry: dict[str, Any]) -> StoredObject:
    metadata = entry.get("metadata") or {}
    stamp = entry.get("updated_at") or entry.get("created_at")
    if stamp is None:
        raise StorageError(path, "Supabase Storage listed the object without a timestamp")
    updated_at = datetime.fromisoformat(stamp)
    if updated_at.tzinfo is None:
        updated_at = updated_at.replace(tzinfo=UTC)
    return StoredObject(path=path, size=int(metadata.get("size", 0)), updated_at=updated_at.astimezone(UTC))

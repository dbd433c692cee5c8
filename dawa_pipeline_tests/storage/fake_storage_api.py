"""An in-memory Supabase Storage REST API (the endpoints storage3 calls), served through httpx.MockTransport.

It answers the way the real service does (paths, status codes, JSON error bodies, per-folder listing with
folders as entries whose id is null, sorted by plain name, the object-key character rule), so the Supabase
backend can be tested end to end without the hosted service.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

TEST_URL = "https://project-ref.supabase.co"
TEST_KEY = "test-service-role-key"
SIGNATURE = "signed-token"
STORAGE_ROOT = "/storage/v1/"
# Supabase Storage's isValidKey (storage/src/storage/limits.ts): \w is ASCII-only there.
_VALID_KEY = re.compile(r"^[A-Za-z0-9_/!\-.*'() &$@=;:+,?]*$")


@dataclass
class FakeObject:
    data: bytes
    content_type: str
    updated_at: datetime
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


def _error(http_status: int, status_code: str, error: str, message: str) -> httpx.Response:
    return httpx.Response(http_status, json={"statusCode": status_code, "error": error, "message": message})


def _missing_object() -> httpx.Response:
    return _error(404, "404", "not_found", "Object not found")


class FakeStorageApi:
    def __init__(self, bucket: str = "dawa-exports", key: str = TEST_KEY) -> None:
        self.bucket = bucket
        self.key = key
        self.objects: dict[str, FakeObject] = {}
        self.requests: list[httpx.Request] = []
        self.queued_failures: list[httpx.Response] = []

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def seed(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.objects[key] = FakeObject(data, content_type, datetime.now(UTC))

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.queued_failures:
            return self.queued_failures.pop(0)
        route = request.url.path.removeprefix(STORAGE_ROOT).split("/")
        method = request.method
        signed_read = route[:2] == ["object", "sign"] and method == "GET"
        if not signed_read and not self._authorized(request):
            return _error(403, "403", "Unauthorized", "invalid signature")
        if route[:2] == ["object", "list"] and method == "POST":
            return self._bucket_checked(route[2:], lambda _key: self._list(json.loads(request.content)))
        if route[:2] == ["object", "info"] and method == "GET":
            return self._bucket_checked(route[2:], self._info)
        if route[:2] == ["object", "sign"] and method == "POST":
            return self._bucket_checked(route[2:], self._sign)
        if route[:2] == ["object", "sign"] and method == "GET":
            if request.url.params.get("token") != SIGNATURE:
                return _error(400, "400", "InvalidSignature", "invalid signature")
            return self._bucket_checked(route[2:], self._download)
        if route[0] == "object" and method == "POST":
            return self._bucket_checked(route[1:], lambda key: self._upload(key, request))
        if route[0] == "object" and method == "GET":
            return self._bucket_checked(route[1:], self._download)
        if route[0] == "object" and method == "DELETE":
            return self._bucket_checked(route[1:], lambda _key: self._remove(json.loads(request.content)))
        return _error(404, "404", "not_found", f"no route {method} {request.url.path}")

    def _authorized(self, request: httpx.Request) -> bool:
        bearer = request.headers.get("authorization")
        return request.headers.get("apikey") == self.key and bearer == f"Bearer {self.key}"

    def _bucket_checked(
        self, bucket_and_key: list[str], answer: Callable[[str], httpx.Response]
    ) -> httpx.Response:
        if bucket_and_key[0] != self.bucket:
            return _error(404, "404", "Bucket not found", "Bucket not found")
        return answer("/".join(bucket_and_key[1:]))

    def _upload(self, key: str, request: httpx.Request) -> httpx.Response:
        if not key or not _VALID_KEY.match(key):
            return _error(400, "400", "InvalidKey", f"Invalid key: {key}")
        if key in self.objects and request.headers.get("x-upsert") != "true":
            return _error(400, "409", "Duplicate", "The resource already exists")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.content
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                data = part.get_payload(decode=True)
                self.objects[key] = FakeObject(data, part.get_content_type(), datetime.now(UTC))
                return httpx.Response(200, json={"Key": f"{self.bucket}/{key}", "Id": self.objects[key].id})
        return _error(400, "400", "InvalidRequest", "no file part in the upload")

    def _download(self, key: str) -> httpx.Response:
        stored = self.objects.get(key)
        if stored is None:
            return _missing_object()
        return httpx.Response(200, content=stored.data, headers={"content-type": stored.content_type})

    def _info(self, key: str) -> httpx.Response:
        stored = self.objects.get(key)
        if stored is None:
            return _missing_object()
        return httpx.Response(200, json={"id": stored.id, "name": key, "size": len(stored.data)})

    def _sign(self, key: str) -> httpx.Response:
        if key not in self.objects:
            return _missing_object()
        return httpx.Response(
            200, json={"signedURL": f"/object/sign/{self.bucket}/{quote(key)}?token={SIGNATURE}"}
        )

    def _remove(self, body: dict) -> httpx.Response:
        removed = [{"name": key} for key in body["prefixes"] if self.objects.pop(key, None) is not None]
        return httpx.Response(200, json=removed)

    def _list(self, body: dict) -> httpx.Response:
        """One folder's direct entries, sorted by plain name like the server (not in path order)."""
        folder = body["prefix"].strip("/")
        under = f"{folder}/" if folder else ""
        entries: dict[str, dict] = {}
        for key, stored in self.objects.items():
            if not key.startswith(under):
                continue
            name, slash, _rest = key[len(under) :].partition("/")
            if slash:
                entries.setdefault(name, {"name": name, "id": None, "updated_at": None, "metadata": None})
            else:
                entries[name] = {
                    "name": name,
                    "id": stored.id,
                    "updated_at": stored.updated_at.isoformat().replace("+00:00", "Z"),
                    "metadata": {"size": len(stored.data), "mimetype": stored.content_type},
                }
        ordered = [entries[name] for name in sorted(entries)]
        offset, limit = body["offset"], body["limit"]
        return httpx.Response(200, json=ordered[offset : offset + limit])

"""An in-memory Supabase Storage REST API (the endpoints the backend calls) behind an httpx.MockTransport.

It answers the way the real service does (supabase/storage 1.11): paths, JSON error bodies sent with HTTP 400
and the real status in the body ("not found" is 400 with statusCode "404"), 413 for a standard upload above
the cap, per-folder listing with folders as entries whose id is null sorted by plain name, list-v2 with a
cursor and no promised order, TUS resumable uploads (create / PATCH at an offset / HEAD for the offset), the
object-key character rule. So the Supabase backend is tested end to end without the hosted service.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

TEST_URL = "https://project-ref.supabase.co"
TEST_KEY = "test-service-role-key"
SIGNATURE = "signed-token"
STORAGE_ROOT = "/storage/v1/"
STANDARD_UPLOAD_CAP = 50 * 1024 * 1024  # Supabase's default global file size limit for standard uploads
TUS_CHUNK_SIZE = 6 * 1024 * 1024  # every PATCH but an upload's last must carry exactly this much
LIST_V2_MAX = 1000
SERVED_CHUNK_SIZE = 256 * 1024  # downloads leave the fake in slices this big, as a socket would
# Supabase Storage's isValidKey (storage/src/storage/limits.ts): \w is ASCII-only there.
_VALID_KEY = re.compile(r"^[A-Za-z0-9_/!\-.*'() &$@=;:+,?]*$")


@dataclass
class FakeObject:
    data: bytes
    content_type: str
    updated_at: datetime
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def etag(self) -> str:
        return f'"{hashlib.md5(self.data).hexdigest()}"'

    def metadata(self) -> dict:
        return {"eTag": self.etag, "size": len(self.data), "mimetype": self.content_type}


@dataclass
class TusUpload:
    key: str
    length: int
    content_type: str
    received: bytearray = field(default_factory=bytearray)


def _error(http_status: int, status_code: str, error: str, message: str, code: str = "") -> httpx.Response:
    body = {"statusCode": status_code, "error": error, "message": message}
    return httpx.Response(http_status, json=body | ({"code": code} if code else {}))


def _missing_object() -> httpx.Response:
    return _error(400, "404", "not_found", "Object not found", "NoSuchKey")


def _route_not_found(request: httpx.Request) -> httpx.Response:
    """Fastify's answer for a route the server does not have (as an older server answers list-v2)."""
    message = f"Route {request.method}:{request.url.raw_path.decode()} not found"
    return _error(404, "404", "Not Found", message, "InvalidRequest")


class FakeStorageApi:
    def __init__(self, bucket: str = "dawa-exports", key: str = TEST_KEY) -> None:
        self.bucket = bucket
        self.key = key
        self.objects: dict[str, FakeObject] = {}
        self.requests: list[httpx.Request] = []
        self.queued_failures: list[httpx.Response] = []
        self.standard_upload_cap = STANDARD_UPLOAD_CAP
        self.has_list_v2 = True
        self.tus_uploads: dict[str, TusUpload] = {}
        # PATCHes whose connection drops after the server kept this many of their bytes (one per entry)
        self.drop_patches_after: list[int] = []
        self.bytes_served = 0  # download bytes handed to the client so far

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
            return _error(400, "403", "Unauthorized", "invalid signature")
        if route[:2] == ["upload", "resumable"]:
            return self._tus(request, route[2:])
        if route[:2] == ["object", "list-v2"] and method == "POST":
            if not self.has_list_v2:
                return _route_not_found(request)
            return self._bucket_checked(route[2:], lambda _key: self._list_v2(json.loads(request.content)))
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
            return _error(400, "404", "Bucket not found", "Bucket not found", "NoSuchBucket")
        return answer("/".join(bucket_and_key[1:]))

    def _key_refused(self, key: str, upsert: bool) -> httpx.Response | None:
        if not key or not _VALID_KEY.match(key):
            return _error(400, "400", "InvalidKey", f"Invalid key: {key}")
        if key in self.objects and not upsert:
            return _error(400, "409", "Duplicate", "The resource already exists")
        return None

    def _too_large(self) -> httpx.Response:
        return _error(400, "413", "Payload too large", "The object exceeded the maximum allowed size")

    def _upload(self, key: str, request: httpx.Request) -> httpx.Response:
        refused = self._key_refused(key, request.headers.get("x-upsert") == "true")
        if refused is not None:
            return refused
        if len(request.content) > self.standard_upload_cap:
            return self._too_large()
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
        headers = {"content-type": stored.content_type, "content-length": str(len(stored.data))}
        return httpx.Response(200, content=self._served(stored.data), headers=headers)

    def _served(self, data: bytes) -> Iterator[bytes]:
        """The body as a socket delivers it: slice by slice, counted in bytes_served as it is taken."""
        for start in range(0, len(data), SERVED_CHUNK_SIZE):
            piece = data[start : start + SERVED_CHUNK_SIZE]
            self.bytes_served += len(piece)
            yield piece

    def _tus(self, request: httpx.Request, upload_id: list[str]) -> httpx.Response:
        """TUS 1.0.0 as Supabase serves it: POST creates (metadata bucketName, objectName, contentType), PATCH
        appends at Upload-Offset, HEAD tells the offset; the object appears when the last byte arrives."""
        if request.headers.get("tus-resumable") != "1.0.0":
            return httpx.Response(412, headers={"Tus-Version": "1.0.0"})
        if request.method == "POST" and not upload_id:
            return self._tus_create(request)
        upload = self.tus_uploads.get("/".join(upload_id))
        if upload is None:
            return httpx.Response(404, text="The file for this url was not found\n")
        tus_headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": str(len(upload.received))}
        if request.method == "HEAD":
            return httpx.Response(200, headers=tus_headers | {"Upload-Length": str(upload.length)})
        if request.method != "PATCH":
            return _route_not_found(request)
        if request.headers.get("content-type") != "application/offset+octet-stream":
            return httpx.Response(415, text="Unsupported Media Type\n")
        if int(request.headers["upload-offset"]) != len(upload.received):
            return httpx.Response(409, text="Upload-Offset header does not match the current offset\n")
        if self._key_refused(upload.key, request.headers.get("x-upsert") == "true") is not None:
            return httpx.Response(409, text="The resource already exists\n")  # checked at every PATCH
        chunk = request.content
        ends = len(upload.received) + len(chunk) >= upload.length
        if len(upload.received) + len(chunk) > upload.length or (not ends and len(chunk) != TUS_CHUNK_SIZE):
            return _error(
                400, "400", "InvalidChunkSize", f"chunks must be {TUS_CHUNK_SIZE} bytes but the last"
            )
        if self.drop_patches_after:
            upload.received += chunk[: self.drop_patches_after.pop(0)]
            raise httpx.ReadError("connection reset by peer", request=request)
        upload.received += chunk
        if len(upload.received) == upload.length:
            self.objects[upload.key] = FakeObject(
                bytes(upload.received), upload.content_type, datetime.now(UTC)
            )
        return httpx.Response(204, headers=tus_headers | {"Upload-Offset": str(len(upload.received))})

    def _tus_create(self, request: httpx.Request) -> httpx.Response:
        metadata = {}
        for pair in request.headers.get("upload-metadata", "").split(","):
            name, _space, value = pair.strip().partition(" ")
            metadata[name] = base64.b64decode(value).decode()
        if metadata.get("bucketName") != self.bucket:
            return _error(400, "404", "Bucket not found", "Bucket not found", "NoSuchBucket")
        key, upsert = metadata.get("objectName", ""), request.headers.get("x-upsert") == "true"
        refused = self._key_refused(key, upsert)
        if refused is not None:
            return refused
        upload_id = base64.urlsafe_b64encode(f"{self.bucket}/{key}/{uuid.uuid4()}".encode()).decode()
        content_type = metadata.get("contentType", "application/octet-stream")
        self.tus_uploads[upload_id] = TusUpload(key, int(request.headers["upload-length"]), content_type)
        location = f"{TEST_URL}{STORAGE_ROOT}upload/resumable/{upload_id}"
        return httpx.Response(201, headers={"Location": location, "Tus-Resumable": "1.0.0"})

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
                    "updated_at": _timestamp(stored.updated_at),
                    "metadata": stored.metadata(),
                }
        ordered = [entries[name] for name in sorted(entries)]
        offset, limit = body["offset"], body["limit"]
        return httpx.Response(200, json=ordered[offset : offset + limit])

    def _list_v2(self, body: dict) -> httpx.Response:
        """Every object whose full name starts with the prefix (no delimiter), at most `limit` a page, in the
        order of the object ids: a cursor order that is not name order, as Supabase does not promise one."""
        if body.get("with_delimiter"):
            return _error(400, "400", "InvalidRequest", "the fake lists without a delimiter only")
        prefix, limit = body.get("prefix", ""), min(body.get("limit", 100), LIST_V2_MAX)
        after = base64.b64decode(body["cursor"]).decode() if body.get("cursor") else ""
        matching = sorted(
            (stored.id, key)
            for key, stored in self.objects.items()
            if key.startswith(prefix) and stored.id > after
        )
        page = matching[:limit]
        objects = [
            {
                "id": object_id,
                "name": key,
                "metadata": self.objects[key].metadata(),
                "updated_at": _timestamp(self.objects[key].updated_at),
                "created_at": _timestamp(self.objects[key].updated_at),
            }
            for object_id, key in page
        ]
        has_next = len(matching) > limit
        cursor = base64.b64encode(page[-1][0].encode()).decode() if has_next else None
        return httpx.Response(
            200, json={"hasNext": has_next, "nextCursor": cursor, "folders": [], "objects": objects}
        )


def _timestamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")

"""The one storage interface the pipeline codes against, whatever backend (local folder, Supabase) is behind.

Object paths are "/"-separated keys relative to the bucket (or root folder), as built by `layout`. A prefix
given to `list` is a folder: "artists/a" and "artists/a/" both list everything under artists/a/; "" lists all.
"""

from __future__ import annotations

import abc
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

DEFAULT_CONTENT_TYPE = "application/octet-stream"
PARTIAL_FILE_PREFIX = ".dawa-partial-"  # temp files of unfinished writes, never listed: {prefix}{pid}-…
STREAM_CHUNK_SIZE = 1024 * 1024  # what a streamed read hands on at a time

ChunkWriter = Callable[[bytes], object]  # e.g. a file's write or a hash's update


@dataclass(frozen=True)
class StoredObject:
    """One listed object and what the listing already says about its content, so a caller can tell new or
    changed objects without downloading them: `version` differs whenever the bytes may have changed
    (Supabase's ETag; a local file's size, mtime_ns and inode, which an atomic replace always changes)."""

    path: str
    size: int
    updated_at: datetime  # tz-aware UTC
    version: str


class StorageError(Exception):
    """A storage operation failed; names the object path and the problem."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class ObjectNotFound(StorageError):
    """The object does not exist."""


class InvalidObjectPath(StorageError):
    """Not a plain relative object key (empty or dot segments, backslashes, control characters)."""


class StorageConfigError(ValueError):
    """The environment asks for a storage backend it does not fully configure."""


def object_path_segments(path: str) -> list[str]:
    """The segments of a safe object key, or InvalidObjectPath: no leading "/", no empty, "." or ".." segment,
    no backslash and no control character, so no backend can be steered outside its root or bucket."""
    if not path:
        raise InvalidObjectPath(repr(path), "an object path cannot be empty")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in path) or "\\" in path:
        raise InvalidObjectPath(repr(path), "object paths cannot hold control characters or backslashes")
    segments = path.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise InvalidObjectPath(path, "object paths are relative, without empty, '.' or '..' segments")
    return segments


def folder_segments(prefix: str) -> list[str]:
    """The segments of a folder prefix ("" is the root; one trailing "/" is allowed)."""
    folder = prefix.removesuffix("/")
    return [] if folder == "" else object_path_segments(folder)


def check_expires_in(expires_in: int) -> None:
    if expires_in <= 0:
        raise ValueError(f"a signed URL must live at least one second, got expires_in={expires_in}")


def walk_order(name: str, is_folder: bool) -> str:
    """Sort key for one folder's entries ("name/" for folders) that makes a depth-first walk yield paths in
    code point order: "a/b" comes after "a-c" because "/" sorts after "-"."""
    return f"{name}/" if is_folder else name


def check_limit(limit: int | None) -> None:
    if limit is not None and limit < 0:
        raise ValueError(f"list limit must be >= 0, got {limit}")


def write_file_atomically(target: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a temp file in the target's folder, then rename it over the target: readers never see half.
    The temp file's name carries this process's pid, so `storage.leftovers` can tell a killed writer's."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f"{PARTIAL_FILE_PREFIX}{os.getpid()}-")
    try:
        with os.fdopen(descriptor, "wb") as temp_file:
            write(temp_file)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


class StorageBackend(abc.ABC):
    """Object storage for DAWA's artifacts: summaries, charts, training audio and prompts, dataset zips."""

    @abc.abstractmethod
    def put(self, path: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        """Create or replace the object; readers see the old or the new content, never a mix."""

    @abc.abstractmethod
    def put_file(self, path: str, local_path: Path, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        """Like put, streaming from a local file (for large files such as dataset zips)."""

    @abc.abstractmethod
    def stream_to(self, path: str, write: ChunkWriter) -> None:
        """Hand the object's content to `write` in chunks of at most STREAM_CHUNK_SIZE, never holding it
        whole; ObjectNotFound if it does not exist."""

    def get(self, path: str) -> bytes:
        """The object's content (for small objects); ObjectNotFound if it does not exist."""
        content = bytearray()
        self.stream_to(path, content.extend)
        return bytes(content)

    def download(self, path: str, local_path: Path) -> None:
        """Save the object to `local_path` (atomically, streamed); ObjectNotFound if it does not exist."""
        write_file_atomically(local_path, lambda temp_file: self.stream_to(path, temp_file.write))

    def sha256(self, path: str) -> str:
        """The hex SHA-256 of the object's content, computed while streaming it; ObjectNotFound if missing."""
        digest = hashlib.sha256()
        self.stream_to(path, digest.update)
        return digest.hexdigest()

    @abc.abstractmethod
    def exists(self, path: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, paths: Sequence[str]) -> None:
        """Remove the objects; paths that do not exist are ignored."""

    @abc.abstractmethod
    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[StoredObject]:
        """Every object under the folder `prefix`, recursively, sorted by path (code point order), fetched
        lazily; at most `limit` objects."""

    @abc.abstractmethod
    def folders(self, prefix: str) -> list[str]:
        """Names of the folders directly under `prefix`, sorted: one cheap call (e.g. the artists under
        "artists/"), where `list` would walk the whole tree."""

    @abc.abstractmethod
    def signed_url(self, path: str, expires_in: int = 3600) -> str:
        """A URL that reads the object without other credentials (for `expires_in` seconds if supported)."""

    @abc.abstractmethod
    def describe(self, path: str) -> str:
        """Where the object lives, for humans: a file path or a bucket URL."""

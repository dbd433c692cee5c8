"""Storage in a local folder: the zero-setup default (DAWA_HOME/storage)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from dawa_pipeline.storage.backend import (
    DEFAULT_CONTENT_TYPE,
    PARTIAL_FILE_PREFIX,
    STREAM_CHUNK_SIZE,
    ChunkWriter,
    InvalidObjectPath,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    StoredObject,
    check_expires_in,
    check_limit,
    folder_segments,
    object_path_segments,
    walk_order,
    write_file_atomically,
)


class LocalStorage(StorageBackend):
    """Objects are files under `root`; content types are not kept (files have none)."""

    def __init__(self, root: Path) -> None:
        self.root = root.expanduser().resolve()

    def _inside_root(self, segments: Sequence[str], shown_as: str) -> Path:
        """The file for these segments; refuses anything resolving outside root (e.g. through a symlink)."""
        target = self.root.joinpath(*segments).resolve()
        if target == self.root or not target.is_relative_to(self.root):
            raise InvalidObjectPath(shown_as, f"resolves outside the storage folder {self.root}")
        return target

    def _folder(self, prefix: str) -> Path:
        segments = folder_segments(prefix)
        return self._inside_root(segments, prefix) if segments else self.root

    def _file(self, path: str) -> Path:
        return self._inside_root(object_path_segments(path), path)

    def put(self, path: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        target = self._file(path)
        with _as_storage_error(path):
            write_file_atomically(target, lambda temp_file: temp_file.write(data))

    def put_file(self, path: str, local_path: Path, content_type: str = DEFAULT_CONTENT_TYPE) -> None:
        target = self._file(path)
        with local_path.open("rb") as source, _as_storage_error(path):
            write_file_atomically(target, lambda temp_file: shutil.copyfileobj(source, temp_file))

    def stream_to(self, path: str, write: ChunkWriter) -> None:
        target = self._file(path)
        try:
            source = target.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(path, f"no such file {target}") from exc
        with source:
            while chunk := source.read(STREAM_CHUNK_SIZE):
                write(chunk)

    def exists(self, path: str) -> bool:
        return self._file(path).is_file()

    def delete(self, paths: Sequence[str]) -> None:
        for path in paths:
            target = self._file(path)
            with _as_storage_error(path):
                target.unlink(missing_ok=True)

    def list(self, prefix: str, *, limit: int | None = None) -> Iterator[StoredObject]:
        check_limit(limit)
        segments = folder_segments(prefix)
        return itertools.islice(self._walk(self._folder(prefix), "".join(f"{s}/" for s in segments)), limit)

    def folders(self, prefix: str) -> list[str]:
        try:
            entries = os.scandir(self._folder(prefix))
        except (FileNotFoundError, NotADirectoryError):
            return []
        with entries:
            return sorted(entry.name for entry in entries if entry.is_dir(follow_symlinks=False))

    def _walk(self, folder: Path, key_prefix: str) -> Iterator[StoredObject]:
        """Depth first in walk_order. Symlinks are skipped so a link cannot expose files outside root."""
        try:
            entries = list(os.scandir(folder))
        except (FileNotFoundError, NotADirectoryError):
            return
        entries.sort(key=lambda entry: walk_order(entry.name, entry.is_dir(follow_symlinks=False)))
        for entry in entries:
            if entry.is_symlink() or entry.name.startswith(PARTIAL_FILE_PREFIX):
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from self._walk(Path(entry.path), f"{key_prefix}{entry.name}/")
            elif entry.is_file(follow_symlinks=False):
                try:
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # deleted since the folder was read
                    continue
                yield StoredObject(
                    path=key_prefix + entry.name,
                    size=stat.st_size,
                    updated_at=datetime.fromtimestamp(stat.st_mtime, tz=UTC),
                    version=f"{stat.st_size}-{stat.st_mtime_ns}-{stat.st_ino}",
                )

    def signed_url(self, path: str, expires_in: int = 3600) -> str:
        """A file:// URL; local files need no signature, so `expires_in` is checked but does not apply."""
        check_expires_in(expires_in)
        target = self._file(path)
        if not target.is_file():
            raise ObjectNotFound(path, f"no such file {target}")
        return target.as_uri()

    def describe(self, path: str) -> str:
        return str(self._file(path))


@contextmanager
def _as_storage_error(path: str) -> Iterator[None]:
    """Turns an OSError while writing `path` (disk full, permissions, a file where a folder must be) into a
    StorageError naming it."""
    try:
        yield
    except OSError as exc:
        raise StorageError(path, f"cannot write it: {exc}") from exc

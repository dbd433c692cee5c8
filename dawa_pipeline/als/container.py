"""Hardened byte reading: sniff the container (gzip or plain XML, never by extension), then stream the XML
through a reader that hashes the raw bytes and enforces `ParseLimits` while lxml pulls from it."""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from dawa_pipeline.als.errors import (
    AlsParseError,
    CorruptContainer,
    EmptyFile,
    GitLfsPointer,
    LimitExceeded,
    NotAnAbletonSet,
)

# libxml2 refuses deeper documents unless XML_PARSE_HUGE is on, which we never turn on.
LIBXML2_MAX_DEPTH = 256
GZIP_MAGIC = b"\x1f\x8b"
GIT_LFS_PREFIX = b"version https://git-lfs"
# The ratio check starts once this much compressed input was read, so a small set's dense first block
# cannot trip it; a bomb still stops within RATIO_FLOOR * max_compression_ratio decompressed bytes.
RATIO_FLOOR = 16 * 1024
_XML_START = (b"<", b"\xef\xbb\xbf<")

Container = Literal["gzip", "xml"]


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on what one set may cost. The defaults are far above real sets (the largest seen: ~50 MB of
    XML, compression ratio ~25, depth ~40)."""

    max_xml_bytes: int = 1 << 30
    max_compression_ratio: float = 200.0
    max_depth: int = LIBXML2_MAX_DEPTH

    def __post_init__(self) -> None:
        if self.max_xml_bytes <= 0 or self.max_compression_ratio <= 1:
            raise ValueError("max_xml_bytes must be > 0 and max_compression_ratio > 1")
        if not 1 <= self.max_depth <= LIBXML2_MAX_DEPTH:
            raise ValueError(f"max_depth must be between 1 and {LIBXML2_MAX_DEPTH} (libxml2's own limit)")


@dataclass(frozen=True)
class SourceFacts:
    sha256: str
    size_bytes: int
    xml_bytes: int
    container: Container


class _HashingReader:
    """Counts and hashes the raw bytes as they are consumed, so the file is read once."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._hash = hashlib.sha256()
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._hash.update(data)
        self.consumed += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


@dataclass
class SetStream:
    """The decompressed XML of one set as a file-like object for lxml, with limits enforced on each read."""

    file_name: str
    container: Container
    limits: ParseLimits
    _raw: _HashingReader
    _decoded: BinaryIO | _HashingReader
    _closer: BinaryIO
    xml_bytes: int = field(default=0)

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._decoded.read(size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise CorruptContainer(self.file_name, f"damaged or truncated gzip data ({exc})") from None
        self.xml_bytes += len(data)
        if self.xml_bytes > self.limits.max_xml_bytes:
            raise LimitExceeded(
                self.file_name, f"decompressed XML exceeds the limit of {self.limits.max_xml_bytes} bytes"
            )
        if self.container == "gzip":
            ratio_base = max(self._raw.consumed, RATIO_FLOOR)
            if self.xml_bytes > ratio_base * self.limits.max_compression_ratio:
                raise LimitExceeded(
                    self.file_name,
                    f"compression ratio above {self.limits.max_compression_ratio:g} (a decompression bomb?)",
                )
        return data

    def finish(self) -> SourceFacts:
        """Hash what lxml left unread (trailing bytes) and report the source facts."""
        self._raw.drain()
        return SourceFacts(self._raw.hexdigest(), self._raw.consumed, self.xml_bytes, self.container)

    def close(self) -> None:
        self._closer.close()

    def __enter__(self) -> SetStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _sniff(head: bytes, file_name: str) -> Container:
    if not head:
        raise EmptyFile(file_name, "the file is empty (0 bytes)")
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(GIT_LFS_PREFIX):
        raise GitLfsPointer(file_name, "a git-LFS pointer, not the set itself (run `git lfs pull`)")
    if head.lstrip(b" \t\r\n").startswith(_XML_START):
        return "xml"
    raise NotAnAbletonSet(file_name, f"neither gzip nor XML (starts with bytes {head[:8].hex(' ')})")


def open_set_stream(source: Path | bytes, file_name: str, limits: ParseLimits) -> SetStream:
    """Open `source` (a path or the file's bytes) as a `SetStream`. Raises AlsParseError on bad input."""
    if isinstance(source, bytes):
        raw: BinaryIO = io.BytesIO(source)
    else:
        try:
            raw = source.open("rb")
        except OSError as exc:
            raise AlsParseError(file_name, f"cannot open the file ({exc.strerror or exc})") from None
    try:
        head = raw.read(64)
        raw.seek(0)
        container = _sniff(head, file_name)
    except BaseException:
        raw.close()
        raise
    hashing = _HashingReader(raw)
    decoded: BinaryIO | _HashingReader = (
        gzip.GzipFile(fileobj=hashing, mode="rb") if container == "gzip" else hashing  # type: ignore[arg-type]
    )
    return SetStream(file_name, container, limits, hashing, decoded, raw)

"""Hardened byte reading: sniff the container (gzip or plain XML, never by extension), then stream the XML
through a reader that hashes the raw bytes, counts the XML nodes it passes on and enforces `ParseLimits` while
lxml pulls from it."""

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
LIBXML2_MAX_TEXT = 10_000_000  # bytes per text node or attribute value, likewise
GZIP_MAGIC = b"\x1f\x8b"
GIT_LFS_PREFIX = b"version https://git-lfs"
# The ratio check starts once this much compressed input was read, so a small set's dense first block
# cannot trip it; a bomb still stops within RATIO_FLOOR * max_compression_ratio decompressed bytes.
RATIO_FLOOR = 16 * 1024
_XML_START = (b"<", b"\xef\xbb\xbf<")

Container = Literal["gzip", "xml"]


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on what one set may cost, so that any upload is parsed or refused within about 10 s and 300 MB
    (measured in benchmarks/bench_parse.py). The defaults are far above real sets (the largest seen: ~50 MB
    of XML, ~1.5M elements, a few hundred tracks, compression ratio ~25, depth ~40).

    `max_xml_bytes` and `max_elements` bound the time; `max_held_nodes` bounds the memory: the elements and
    attributes held in the tree at once (what the open track or section holds, MIDI notes and master
    automation excepted, which are read and freed as they stream), plus the master automation points read
    out of it."""

    max_xml_bytes: int = 128 << 20
    max_compression_ratio: float = 200.0
    max_depth: int = LIBXML2_MAX_DEPTH
    max_elements: int = 6_000_000
    max_held_nodes: int = 800_000
    max_tracks: int = 2_000

    def __post_init__(self) -> None:
        if self.max_xml_bytes <= 0 or self.max_compression_ratio <= 1:
            raise ValueError("max_xml_bytes must be > 0 and max_compression_ratio > 1")
        if min(self.max_elements, self.max_held_nodes, self.max_tracks) <= 0:
            raise ValueError("max_elements, max_held_nodes and max_tracks must be > 0")
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
    # Start tags and attributes read so far, each a node of lxml's tree: every `<` but those of end tags,
    # and every `=`. Conservative: a comment, a declaration or an `=` in text counts too (only a `</` split
    # across two reads is missed, one per 64 KiB).
    elements: int = field(default=0)
    nodes: int = field(default=0)

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._decoded.read(size)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise CorruptContainer(self.file_name, f"damaged or truncated gzip data ({exc})") from None
        self.xml_bytes += len(data)
        self._count_nodes(data)
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

    def _count_nodes(self, data: bytes) -> None:
        """Count in C (bytes.count), so an element flood is refused after `max_elements` without Python
        ever seeing the elements."""
        elements = data.count(b"<") - data.count(b"</")
        self.elements += elements
        self.nodes += elements + data.count(b"=")
        if self.elements > self.limits.max_elements:
            raise LimitExceeded(
                self.file_name, f"more than {self.limits.max_elements:,} XML elements (the limit per set)"
            )

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

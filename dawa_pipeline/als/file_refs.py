"""Sample file references (`SampleRef/FileRef`): name, relative path and absolute path as Live stored them.

Live 11+ stores `Path` and `RelativePath` as strings. Earlier versions store `Name`, the relative folders as
`RelativePathElement@Dir` (an empty Dir means the parent folder) and the absolute location as hex `Data`:
a UTF-16LE path on Windows, a classic Mac alias record (POSIX path in tags 0x12/0x13) on macOS.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from dawa_pipeline.als.xml_paths import (
    FILEREF_DATA,
    FILEREF_NAME,
    FILEREF_PATH,
    FILEREF_RELATIVE,
    FILEREF_RELATIVE_ELEMENTS,
    Element,
    value,
)

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)[^\x00]+$")
_ALIAS_HEADER = 150  # fixed part of an alias record (version 2) before its tagged fields
_ALIAS_POSIX_PATH, _ALIAS_MOUNT_POINT, _ALIAS_END = 0x12, 0x13, -1


@dataclass(frozen=True)
class FileRefFacts:
    name: str
    relative_path: str | None
    absolute_path: str | None

    @property
    def identity(self) -> str:
        """One file, however many clips or devices use it."""
        return self.absolute_path or self.relative_path or self.name


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path.rstrip("\\/"))[-1]


def _windows_path(data: bytes) -> str | None:
    if len(data) < 6 or len(data) % 2:
        return None
    try:
        text = data.decode("utf-16-le").rstrip("\x00")
    except UnicodeDecodeError:
        return None
    return text if _WINDOWS_PATH.match(text) else None


def _alias_posix_path(data: bytes) -> str | None:
    """Walk the tagged fields of a Mac alias record; None unless it holds a POSIX path."""
    fields: dict[int, bytes] = {}
    position = _ALIAS_HEADER
    while position + 4 <= len(data):
        tag, length = struct.unpack_from(">hH", data, position)
        if tag == _ALIAS_END:
            break
        fields[tag] = data[position + 4 : position + 4 + length]
        position += 4 + length + (length & 1)
    path = fields.get(_ALIAS_POSIX_PATH)
    if not path:
        return None
    mount = fields.get(_ALIAS_MOUNT_POINT, b"/").decode("utf-8", "replace")
    relative = path.decode("utf-8", "replace").lstrip("/")
    return f"{mount.rstrip('/')}/{relative}"


def decode_data_path(hex_text: str | None) -> str | None:
    """The absolute path inside a pre-Live-11 `FileRef/Data` element, when it holds one."""
    if not hex_text:
        return None
    try:
        data = bytes.fromhex("".join(hex_text.split()))
    except ValueError:
        return None
    return _windows_path(data) or _alias_posix_path(data)


def read_file_ref(file_ref: Element) -> FileRefFacts | None:
    """Facts of one `FileRef`; None when it names no file."""
    absolute = value(file_ref, FILEREF_PATH) or None
    relative = value(file_ref, FILEREF_RELATIVE) or None
    name = value(file_ref, FILEREF_NAME) or None
    if relative is None and name:
        folders = [element.get("Dir") or ".." for element in file_ref.iterfind(FILEREF_RELATIVE_ELEMENTS)]
        relative = "/".join([*folders, name])
    if absolute is None:
        data = file_ref.find(FILEREF_DATA)
        absolute = decode_data_path(None if data is None else data.text)
    name = name or _basename(absolute or relative or "")
    if not name:
        return None
    return FileRefFacts(name=name, relative_path=relative, absolute_path=absolute)

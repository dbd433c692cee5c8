"""Every storage path DAWA reads or writes, built in one place: the seed's `dawa-exports` layout + uploads.

    artists/{artist-slug}/uploads/{project}/{file}.als
    artists/{artist-slug}/daw-data/{project}/{als}/{parse-id}/summary.json, timeline_visualizer.png
    artists/{artist-slug}/training/{training-item-id}/audio.mp3, prompt.txt
    artists/{artist-slug}/datasets/dataset-{timestamp}.zip
    artists/{artist-slug}/profile/fingerprint.png

Folder paths (`*_dir`, `*_prefix`) end with "/", so `path.startswith(prefix)` never matches a sibling
("artists/ab/" is not under "artists/a/"). Every segment that comes from user data goes through
`sanitize_segment`; artist slugs must already be slugs.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from dawa_pipeline.text import is_display_control

ROOT = "artists"
UPLOADS = "uploads"
DAW_DATA = "daw-data"
TRAINING = "training"
DATASETS = "datasets"
PROFILE = "profile"

SUMMARY_JSON = "summary.json"
TIMELINE_PNG = "timeline_visualizer.png"
TRAINING_AUDIO = "audio.mp3"
PROMPT_TXT = "prompt.txt"
FINGERPRINT_PNG = "fingerprint.png"
ALS_SUFFIX = ".als"

MAX_SEGMENT_BYTES = 200
_MAX_KEPT_EXTENSION = 16
_SEPARATORS = frozenset("/\\:")
# What Supabase Storage accepts in object keys (ASCII letters, digits and these), minus what Windows forbids
# in file names (* ? ") and minus "/" and ":" which are separators. Anything else becomes "_".
_KEPT_PUNCTUATION = frozenset(" _-.',!&$@=;+()")
# Latin letters NFKD does not decompose, and typographic dashes and apostrophes (macOS writes "Don\u2019t"),
# spelled the usual ASCII way so names stay readable.
_ASCII_SPELLINGS = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"}
    | {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "\u0131": "i"}
    | {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'"}
)
_COMBINING_DIACRITICS = re.compile("[\u0300-\u036f]")
_NOT_SLUG_CHARS = re.compile("[^a-z0-9]+")


class UnsafePathSegment(ValueError):
    """A name from user data cannot become a storage path segment (empty, a dot segment, or not a slug)."""


def _strip_accents(text: str) -> str:
    """NFKD, then drop the combining diacritical marks (U+0300-U+036F): "Crüe" -> "Crue", "ﬁ" -> "fi"."""
    return _COMBINING_DIACRITICS.sub("", unicodedata.normalize("NFKD", text))


def slugify(name: str) -> str:
    """The artist slug: NFKD without diacritics, lowercased, runs of characters other than [a-z0-9] -> "-",
    trimmed of "-", "artist" if nothing is left.

    The SQL trigger implements the same rule:
    coalesce(nullif(btrim(regexp_replace(lower(regexp_replace(normalize(name, NFKD), '[\\u0300-\\u036f]', '',
    'g')), '[^a-z0-9]+', '-', 'g'), '-'), ''), 'artist').
    """
    return _NOT_SLUG_CHARS.sub("-", _strip_accents(name).lower()).strip("-") or "artist"


MAX_ARTIST_NAME = 100  # characters, for the name and for its slug (a path segment)


class InvalidArtistName(ValueError):
    """An artist name DAWA will not create: empty, too long, or holding control characters."""


def check_artist_name(name: str) -> str:
    """The artist name as stored (trimmed), checked before anything is written: not empty, at most
    MAX_ARTIST_NAME characters and the same for its slug, no control characters. Raises InvalidArtistName."""
    trimmed = name.strip()
    if not trimmed:
        raise InvalidArtistName("an artist name cannot be empty")
    if len(trimmed) > MAX_ARTIST_NAME or len(slugify(trimmed)) > MAX_ARTIST_NAME:
        raise InvalidArtistName(
            f"an artist name is at most {MAX_ARTIST_NAME} characters (this one: {len(trimmed):,})"
        )
    for position, char in enumerate(trimmed):
        if is_display_control(char):
            raise InvalidArtistName(
                f"an artist name cannot hold control characters ({char!a} at position {position})"
            )
    return trimmed


def _is_control(char: str) -> bool:
    return unicodedata.category(char).startswith("C")


def sanitize_segment(value: str) -> str:
    """One path segment from user data, safe on a local disk and as a Supabase Storage key.

    Control and format characters are dropped; "/", "\\" and ":" become "_". Supabase Storage rejects
    non-ASCII keys (supabase/storage#133), so accents are removed ("Café" -> "Cafe", "ø" -> "o") and other
    characters it rejects become "_"; when letters or digits had to go (e.g. CJK), a short hash of the
    original keeps distinct names distinct. Whitespace and trailing dots are trimmed and the result is capped
    at MAX_SEGMENT_BYTES, keeping the extension. Idempotent. Raises UnsafePathSegment for ".", ".." and names
    with nothing left.
    """
    cleaned: list[str] = []
    lost_letters = False
    for char in _strip_accents(value).translate(_ASCII_SPELLINGS):
        if _is_control(char):
            continue
        if char in _SEPARATORS:
            cleaned.append("_")
        elif char.isascii() and (char.isalnum() or char in _KEPT_PUNCTUATION):
            cleaned.append(char)
        elif char.isspace():
            cleaned.append(" ")
        else:
            lost_letters = lost_letters or char.isalnum()
            cleaned.append("_")
    segment = _trim("".join(cleaned))
    if not segment:  # trimming trailing dots also empties "." and ".."
        raise UnsafePathSegment(f"{value!r} cannot be a path segment: nothing but dots or nothing left")
    stem, extension = _split_extension(segment)
    suffix = "-" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:8] if lost_letters else ""
    if lost_letters or len(segment) > MAX_SEGMENT_BYTES:
        stem = _trim(stem[: MAX_SEGMENT_BYTES - len(suffix) - len(extension)])
        segment = stem + suffix + extension
    return segment


def _trim(text: str) -> str:
    return text.strip(" ").rstrip(". ")


def _split_extension(segment: str) -> tuple[str, str]:
    """("name", ".ext") when the segment ends in a short extension, else (segment, "")."""
    stem, dot, extension = segment.rpartition(".")
    if stem and dot and 0 < len(extension) <= _MAX_KEPT_EXTENSION and " " not in extension:
        return stem, dot + extension
    return segment, ""


def _is_als_name(name: str) -> bool:
    return name.lower().endswith(ALS_SUFFIX) and len(name) > len(ALS_SUFFIX)


def _checked_slug(artist_slug: str) -> str:
    if not artist_slug or slugify(artist_slug) != artist_slug:
        expected = slugify(artist_slug)
        raise UnsafePathSegment(f"{artist_slug!r} is not an artist slug (slugify gives {expected!r})")
    return artist_slug


def file_in(folder: str, name: str) -> str:
    """The path of file `name` in `folder` (a folder path from this module, or one stored from it)."""
    return f"{folder.rstrip('/')}/{name}"


_CONTENT_TYPES = {
    ".json": "application/json",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
    ".mp3": "audio/mpeg",
}


def content_type_of(name: str) -> str:
    """The content type stored with a file of the layout, from its name."""
    for suffix, content_type in _CONTENT_TYPES.items():
        if name.endswith(suffix):
            return content_type
    return "application/octet-stream"


def artist_prefix(artist_slug: str) -> str:
    return f"{ROOT}/{_checked_slug(artist_slug)}/"


def uploads_prefix(artist_slug: str | None = None) -> str:
    """Where raw sets are uploaded: one artist's uploads folder, or "artists/" (every artist's) for None."""
    return f"{ROOT}/" if artist_slug is None else f"{artist_prefix(artist_slug)}{UPLOADS}/"


def upload_path(artist_slug: str, project: str, file_name: str) -> str:
    name = sanitize_segment(file_name)
    if not _is_als_name(name):
        raise ValueError(f"{file_name!r} is not a Live Set: uploads hold {ALS_SUFFIX} files only")
    return f"{uploads_prefix(artist_slug)}{sanitize_segment(project)}/{name}"


def daw_data_dir(artist_slug: str, project: str, als_stem: str, parse_id: str) -> str:
    segments = (sanitize_segment(project), sanitize_segment(als_stem), sanitize_segment(parse_id))
    return f"{artist_prefix(artist_slug)}{DAW_DATA}/{'/'.join(segments)}/"


def summary_json_path(artist_slug: str, project: str, als_stem: str, parse_id: str) -> str:
    return daw_data_dir(artist_slug, project, als_stem, parse_id) + SUMMARY_JSON


def timeline_path(artist_slug: str, project: str, als_stem: str, parse_id: str) -> str:
    return daw_data_dir(artist_slug, project, als_stem, parse_id) + TIMELINE_PNG


def training_item_dir(artist_slug: str, item_id: str | UUID) -> str:
    return f"{artist_prefix(artist_slug)}{TRAINING}/{sanitize_segment(str(item_id))}/"


def training_audio_path(artist_slug: str, item_id: str | UUID) -> str:
    return training_item_dir(artist_slug, item_id) + TRAINING_AUDIO


def prompt_path(artist_slug: str, item_id: str | UUID) -> str:
    return training_item_dir(artist_slug, item_id) + PROMPT_TXT


def dataset_zip_path(artist_slug: str, created_at: datetime) -> str:
    """dataset-YYYYMMDDTHHMMSSZ.zip in UTC; a naive datetime is refused because its instant is unknown."""
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError(f"dataset timestamp {created_at.isoformat()} has no time zone")
    stamp = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{artist_prefix(artist_slug)}{DATASETS}/dataset-{stamp}.zip"


def fingerprint_chart_path(artist_slug: str) -> str:
    return f"{artist_prefix(artist_slug)}{PROFILE}/{FINGERPRINT_PNG}"


@dataclass(frozen=True)
class UploadRef:
    artist_slug: str
    project: str
    file_name: str


@dataclass(frozen=True)
class TrainingAudioRef:
    artist_slug: str
    item_id: str


def _is_clean(segment: str) -> bool:
    try:
        return sanitize_segment(segment) == segment
    except UnsafePathSegment:
        return False


def _split_artist_path(path: str, folder: str, depth: int) -> list[str] | None:
    """The segments of "artists/{slug}/{folder}/..." with exactly `depth` segments, all clean, else None."""
    parts = path.split("/")
    if len(parts) != depth or parts[0] != ROOT or parts[2] != folder:
        return None
    if not parts[1] or slugify(parts[1]) != parts[1] or not all(_is_clean(part) for part in parts[3:]):
        return None
    return parts


def parse_upload_path(path: str) -> UploadRef | None:
    """The inverse of upload_path: None unless `path` is exactly what upload_path builds for some set.

    Names that upload_path would have changed are refused too, so upload_path(*ref) gives `path` back.
    """
    parts = _split_artist_path(path, UPLOADS, 5)
    if parts is None or not _is_als_name(parts[4]):
        return None
    return UploadRef(artist_slug=parts[1], project=parts[3], file_name=parts[4])


def parse_training_audio_path(path: str) -> TrainingAudioRef | None:
    """The inverse of training_audio_path: None for anything else."""
    parts = _split_artist_path(path, TRAINING, 5)
    if parts is None or parts[4] != TRAINING_AUDIO:
        return None
    return TrainingAudioRef(artist_slug=parts[1], item_id=parts[3])

"""`artist_profiles.master_schema`: the skeleton, the refresh of its computed parts, validation and the
merge of an imported hand-written profile.

The document is handled as the raw JSON dict it is stored as, never round-tripped through pydantic, so what
people wrote keeps every key, value and key order. The pipeline owns exactly these parts ("computed"):
`uuids`, `daw_fingerprint_aggregates`, `provenance.last_refreshed`, `provenance.sources.daw` and the
`daw_summary_id` links of catalog works whose title names one of the artist's sets. Everything else is
hand-written.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pydantic import ValidationError

from dawa_pipeline.profile.models import ArtistMasterSchema, Fingerprint

SCHEMA_VERSION = "1.0"
_ROOT = "(document)"


class MasterSchemaError(ValueError):
    """A master schema that cannot be refreshed or merged as asked (not an object, another artist's)."""


class SummaryRef(NamedTuple):
    """One `als_summaries` row a fingerprint was computed from."""

    summary_id: str
    parse_id: str
    project_name: str | None
    als_stem: str
    als_filename: str

    @property
    def source_label(self) -> str:
        """How the summary is named in `provenance.sources.daw`: 'project/file.als@parse_id'."""
        prefix = f"{self.project_name}/" if self.project_name else ""
        return f"{prefix}{self.als_filename}@{self.parse_id}"


class RefreshResult(NamedTuple):
    master_schema: dict[str, Any]
    changed: bool


class MergeResult(NamedTuple):
    master_schema: dict[str, Any]
    changes: list[str]


class SchemaProblem(NamedTuple):
    path: str
    message: str


def skeleton_master_schema(artist_name: str, artist_id: str) -> dict[str, Any]:
    """What a new artist's profile starts as: the identity, nothing computed or written yet."""
    return {
        "schema_version": SCHEMA_VERSION,
        "uuids": {"name": artist_name, "artist_id": artist_id},
        "artist": {"name": artist_name},
    }


def _require_object(doc: object, what: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise MasterSchemaError(f"{what} master schema must be a JSON object, got {type(doc).__name__}")
    return doc


def _object_at(doc: dict[str, Any], key: str, what: str) -> dict[str, Any]:
    """doc[key], created as {} when missing; a present non-object is refused, never overwritten."""
    value = doc.setdefault(key, {})
    if not isinstance(value, dict):
        raise MasterSchemaError(f"{what}: '{key}' must be an object, got {type(value).__name__}")
    return value


def _identity_check(doc: dict[str, Any], artist_id: str, what: str) -> None:
    uuids = doc.get("uuids")
    stored = uuids.get("artist_id") if isinstance(uuids, dict) else None
    if stored is not None and stored != artist_id:
        raise MasterSchemaError(f"{what} belongs to artist_id {stored!r}, not {artist_id!r}")


def _normalised_title(text: str) -> str:
    """'Night-Drive (v2)' equals 'night drive v2': case, accents, spaces and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def _link_catalog(catalog: object, refs: Sequence[SummaryRef]) -> None:
    """Point each work whose title names a set (or else a project) at that summary; other links stay.

    When several summaries carry the name, a link already pointing at one of them stays, else the first by id.
    """
    if not isinstance(catalog, list):
        return
    by_stem: dict[str, list[SummaryRef]] = {}
    by_project: dict[str, list[SummaryRef]] = {}
    for ref in refs:
        by_stem.setdefault(_normalised_title(ref.als_stem), []).append(ref)
        if ref.project_name:
            by_project.setdefault(_normalised_title(ref.project_name), []).append(ref)
    for work in catalog:
        if not isinstance(work, dict) or not isinstance(work.get("title"), str):
            continue
        title = _normalised_title(work["title"])
        candidates = (by_stem.get(title) or by_project.get(title)) if title else None
        if not candidates:
            continue
        ids = sorted(ref.summary_id for ref in candidates)
        if work.get("daw_summary_id") not in ids:
            work["daw_summary_id"] = ids[0]


def refresh_master_schema(
    current: Mapping[str, Any],
    *,
    artist_name: str,
    artist_id: str,
    fingerprint: Fingerprint,
    summary_refs: Sequence[SummaryRef],
    now: datetime,
) -> RefreshResult:
    """Replace the computed parts from a new fingerprint; `changed` False means nothing to write.

    Missing skeleton keys are created (`artist.name` only when absent: it is hand-written once set).
    `last_refreshed` moves only when a computed part changed, so re-running with the same inputs gives an
    identical document.
    """
    if now.tzinfo is None:
        raise ValueError("refresh_master_schema needs a timezone-aware 'now'")
    current = _require_object(current, "stored")
    _identity_check(current, artist_id, "stored master schema")
    doc = copy.deepcopy(current)
    doc.setdefault("schema_version", SCHEMA_VERSION)
    uuids = _object_at(doc, "uuids", "stored master schema")
    uuids["name"] = artist_name
    uuids["artist_id"] = artist_id
    _object_at(doc, "artist", "stored master schema").setdefault("name", artist_name)
    doc["daw_fingerprint_aggregates"] = fingerprint.aggregates.model_dump(mode="json")
    _link_catalog(doc.get("catalog"), summary_refs)
    provenance = _object_at(doc, "provenance", "stored master schema")
    stamp = now.astimezone(UTC).isoformat(timespec="seconds")
    provenance.setdefault("last_refreshed", stamp)
    sources = _object_at(provenance, "sources", "stored master schema provenance")
    sources["daw"] = sorted({ref.source_label for ref in summary_refs})
    sources.setdefault("metadata_provided", [])
    if doc == current:
        return RefreshResult(master_schema=doc, changed=False)
    provenance["last_refreshed"] = stamp
    return RefreshResult(master_schema=doc, changed=True)


# --- validation ---------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _path(location: Sequence[int | str]) -> str:
    """('catalog', 2, 'tempo_bpm') -> 'catalog[2].tempo_bpm'; odd keys are quoted: by_mood["late night"]."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            path += f".{part}" if path else part
        else:
            path += f"[{part!r}]"
    return path or _ROOT


def _message(error: Mapping[str, Any]) -> str:
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] == "extra_forbidden":
        return "unknown field in a computed section"
    shown = repr(error["input"])
    return f"{error['msg']} (got {shown if len(shown) <= 40 else shown[:37] + '...'})"


MIN_BPM, MAX_BPM = 20, 999  # Live's own tempo range


def _extra_checks(doc: dict[str, Any]) -> Iterator[SchemaProblem]:
    """Rules the seed's types cannot say: ids are UUIDs, works are unique, tempos are in Live's range, the
    refresh time is a time."""
    uuids = doc.get("uuids")
    if isinstance(uuids, dict) and isinstance(uuids.get("artist_id"), str):
        try:
            uuid.UUID(uuids["artist_id"])
        except ValueError:
            yield SchemaProblem("uuids.artist_id", f"must be a UUID (got {uuids['artist_id']!r})")
    catalog = doc.get("catalog")
    seen: dict[str, int] = {}
    for index, work in enumerate(catalog if isinstance(catalog, list) else []):
        work_id = work.get("work_id") if isinstance(work, dict) else None
        if isinstance(work_id, str):
            if work_id in seen:
                yield SchemaProblem(
                    f"catalog[{index}].work_id", f"duplicates catalog[{seen[work_id]}] ({work_id!r})"
                )
            seen.setdefault(work_id, index)
        tempo = work.get("tempo_bpm") if isinstance(work, dict) else None
        if isinstance(tempo, int | float) and not isinstance(tempo, bool) and not MIN_BPM <= tempo <= MAX_BPM:
            yield SchemaProblem(
                f"catalog[{index}].tempo_bpm", f"must be between {MIN_BPM} and {MAX_BPM} BPM (got {tempo:g})"
            )
    provenance = doc.get("provenance")
    refreshed = provenance.get("last_refreshed") if isinstance(provenance, dict) else None
    if isinstance(refreshed, str):
        try:
            datetime.fromisoformat(refreshed)
        except ValueError:
            yield SchemaProblem("provenance.last_refreshed", f"must be an ISO 8601 time (got {refreshed!r})")


def validate_master_schema(doc: object) -> list[SchemaProblem]:
    """Every problem with its path ("catalog[2].tempo_bpm"); empty means valid. Rules: models.py docstring."""
    if not isinstance(doc, dict):
        return [SchemaProblem(_ROOT, f"must be a JSON object (got {type(doc).__name__})")]
    try:
        ArtistMasterSchema.model_validate(doc)
        problems: list[SchemaProblem] = []
    except ValidationError as error:
        problems = [SchemaProblem(_path(e["loc"]), _message(e)) for e in error.errors(include_url=False)]
    return problems + list(_extra_checks(doc))


# --- import of hand-written parts ---------------------------------------------------------------------

_COMPUTED_TOP = ("uuids", "daw_fingerprint_aggregates")
_COMPUTED_PROVENANCE = ("last_refreshed",)
_COMPUTED_SOURCES = ("daw",)


def _carry(target: dict[str, Any], source: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Make target[key] what source has (in target's place), or remove it when source has none."""
    for key in keys:
        if key in source:
            target[key] = copy.deepcopy(source[key])
        else:
            target.pop(key, None)


def _carry_links(merged: dict[str, Any], current: Mapping[str, Any]) -> None:
    """A work that comes back without its daw_summary_id keeps the one the refresh linked."""
    old, new = current.get("catalog"), merged.get("catalog")
    if not isinstance(old, list) or not isinstance(new, list):
        return
    links = {
        w["work_id"]: w["daw_summary_id"]
        for w in old
        if isinstance(w, dict) and isinstance(w.get("work_id"), str) and w.get("daw_summary_id")
    }
    for work in new:
        if isinstance(work, dict) and "daw_summary_id" not in work and work.get("work_id") in links:
            work["daw_summary_id"] = links[work["work_id"]]


def merge_hand_written(current: Mapping[str, Any], incoming: Mapping[str, Any]) -> MergeResult:
    """`dawa profile import`: hand-written parts from `incoming`, computed parts kept from `current`.

    Refuses a profile of another artist (different `uuids.artist_id`). The result is not validated here:
    run `validate_master_schema` on it before writing.
    """
    current = _require_object(current, "stored")
    incoming = _require_object(incoming, "imported")
    stored_uuids = current.get("uuids")
    if isinstance(stored_uuids, dict) and isinstance(stored_uuids.get("artist_id"), str):
        _identity_check(incoming, stored_uuids["artist_id"], "imported master schema")
    merged = copy.deepcopy(incoming)
    _carry(merged, current, _COMPUTED_TOP)
    old_provenance = current.get("provenance") if isinstance(current.get("provenance"), dict) else {}
    old_sources = old_provenance.get("sources") if isinstance(old_provenance.get("sources"), dict) else {}
    if old_provenance or isinstance(merged.get("provenance"), dict):
        provenance = _object_at(merged, "provenance", "imported master schema")
        _carry(provenance, old_provenance, _COMPUTED_PROVENANCE)
        if old_sources or isinstance(provenance.get("sources"), dict):
            _carry(_object_at(provenance, "sources", "imported provenance"), old_sources, _COMPUTED_SOURCES)
    _carry_links(merged, current)
    return MergeResult(master_schema=merged, changes=list(_describe_changes("", current, merged)))


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _work_label(work: Mapping[str, Any]) -> str:
    return repr(work.get("title", work.get("work_id", "?")))


def _describe_catalog(old: list[Any], new: list[Any]) -> Iterator[str]:
    def identity(work: object, index: int) -> object:
        """Works are matched by work_id; a work without a usable one by its position."""
        work_id = work.get("work_id") if isinstance(work, dict) else None
        return work_id if isinstance(work_id, str) else index

    before = {identity(w, i): w for i, w in enumerate(old)}
    after = {identity(w, i): w for i, w in enumerate(new)}
    for key, work in after.items():
        if key not in before:
            yield f"catalog: +1 work {_work_label(work) if isinstance(work, dict) else _shown(work)}"
    for key, work in before.items():
        if key not in after:
            yield f"catalog: -1 work {_work_label(work) if isinstance(work, dict) else _shown(work)}"
    for key, work in after.items():
        if key in before and before[key] != work:
            label = f"catalog[{_work_label(work)}]" if isinstance(work, dict) else f"catalog[{key}]"
            yield from _describe_changes(label, before[key], work)
    if list(before) != list(after) and set(before) == set(after):
        yield "catalog: works reordered"


def _describe_changes(path: str, old: object, new: object) -> Iterator[str]:
    """One readable line per differing value, in document order, named by its path."""
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            child = _child(path, key)
            if key not in new:
                yield f"{child}: removed (was {_shown(old[key])})"
            elif key not in old:
                yield f"{child}: added {_shown(new[key])}"
            else:
                yield from _describe_changes(child, old[key], new[key])
    elif path == "catalog" and isinstance(old, list) and isinstance(new, list):
        yield from _describe_catalog(old, new)
    elif isinstance(old, list) and isinstance(new, list) and all(isinstance(v, str) for v in [*old, *new]):
        added = [v for v in new if v not in old]
        removed = [v for v in old if v not in new]
        parts = [f"+{v!r}" for v in added] + [f"-{v!r}" for v in removed]
        yield f"{path}: {', '.join(parts) if parts else 'reordered'}"
    else:
        yield f"{path}: {_shown(old)} -> {_shown(new)}"


def _child(path: str, key: str) -> str:
    step = _path([key])
    if not path:
        return step
    return f"{path}{step}" if step.startswith("[") else f"{path}.{step}"

"""Dataset zips that audiocraft (MusicGen's trainer) and Hugging Face `audiofolder` both load as they are.

Layout (the dataset name `<name>` is `dawa_<artist words>`):

    README.md                                  dataset card
    provenance.json                            who/what/when built it, one entry per item with audio sha256
    config/dset/audio/<name>.yaml              audiocraft datasource (dset=audio/<name>)
    egs/<name>/train/data.jsonl                audiocraft manifests (AudioMeta lines)
    egs/<name>/valid/data.jsonl
    dataset/<name>/<split>/<item_id>.<ext>     audio
    dataset/<name>/<split>/<item_id>.json      audiocraft MusicInfo sidecar (every field present)
    dataset/<name>/<split>/metadata.jsonl      HF audiofolder metadata (file_name, text, tags)

It mirrors audiocraft's own repository layout, so unzipping at an audiocraft checkout's root makes the
relative manifest paths resolve (Dora resolves them against the launch directory). The audio sits in
`train`/`valid` directories because HF infers splits from directory names: any other `train`/`valid`
directory (like `egs/`'s) would otherwise hide the audio from `load_dataset("audiofolder", data_dir=...)`.
The same reason keeps split words out of `<name>`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from dawa_pipeline.training.audio import TRAINABLE_FORMATS, AudioInfo
from dawa_pipeline.training.captions import Caption, caption_problems

Split = Literal["train", "valid"]
AudioSource = bytes | Path | Callable[[], BinaryIO]
"""Audio bytes, a local file, or a callable opening a stream (closed after copying)."""

MUSICGEN_SAMPLE_RATE = 32_000

_ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_HF_SPLIT_WORDS = {
    "train",
    "training",
    "validation",
    "valid",
    "dev",
    "val",
    "test",
    "testing",
    "eval",
    "evaluation",
}
_SPLITS: tuple[Split, ...] = ("train", "valid")


class DatasetError(ValueError):
    """The items cannot make a trainable dataset; the message says which item and why."""


@dataclass(frozen=True)
class DatasetItem:
    """One training pair: audio checked by `inspect_audio` plus its caption; key and bpm are the set's."""

    item_id: str
    audio: AudioSource
    audio_info: AudioInfo
    caption: Caption
    title: str
    key: str | None
    bpm: float | None

    @property
    def file_extension(self) -> str:
        return self.audio_info.file_extension


class DatasetEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: str
    split: Split
    audio_path: str
    sidecar_path: str
    duration: float
    sample_rate: int
    audio_sha256: str


class DatasetManifest(BaseModel):
    """What a built zip holds: for the caller's provenance stamp and the training_items status update."""

    model_config = ConfigDict(extra="forbid")

    name: str
    artist_name: str
    created_at: datetime
    item_ids: list[str]
    entries: list[DatasetEntry]
    train_seconds: float
    valid_seconds: float
    files: list[str]


def dataset_name(artist_name: str) -> str:
    """`dawa_<artist words>`: ASCII letters only, and without words HF reads as split names."""
    folded = unicodedata.normalize("NFKD", artist_name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z]+", folded) if w and w not in _HF_SPLIT_WORDS]
    return ("dawa_" + "_".join(words))[:60].rstrip("_") if words else "dawa_artist"


def split_items(item_ids: Sequence[str], valid_fraction: float) -> dict[Split, list[str]]:
    """Deterministic split by a hash of each id, stable as items are added. Both splits are never empty,
    because audiocraft refuses an empty manifest: with two or more items, the lowest-hash item is moved to
    valid (or the highest to train) if needed; a single item is used for both splits."""
    if not 0.0 <= valid_fraction < 1.0:
        raise DatasetError(f"valid_fraction must be in [0, 1), got {valid_fraction}")
    ranked = sorted(item_ids, key=_split_score)
    if len(ranked) == 1:
        return {"train": list(ranked), "valid": list(ranked)}
    valid = [i for i in ranked if _split_score(i) < valid_fraction] or ranked[:1]
    if len(valid) == len(ranked):
        valid = valid[:-1]
    return {"train": [i for i in ranked if i not in valid], "valid": valid}


def build_dataset_zip(
    items: Sequence[DatasetItem],
    out: BinaryIO,
    *,
    artist_name: str,
    created_at: datetime,
    provenance: dict[str, Any],
    valid_fraction: float = 0.1,
    forbidden_names: Sequence[str] = (),
) -> DatasetManifest:
    """Write the dataset zip to `out` and describe it.

    Every item is checked first (ids, formats, caption rules against the artist and `forbidden_names`), so a
    bad item fails before any byte is written. If writing fails midway, the zip's directory is never written
    and a seekable `out` is truncated back: nothing usable is left. Use `write_dataset_zip` for a file.
    """
    _check_items(items, [artist_name, *forbidden_names])
    name = dataset_name(artist_name)
    by_id = {item.item_id: item for item in items}
    splits = split_items(list(by_id), valid_fraction)
    start = out.tell() if out.seekable() else None
    guarded = _AbortableOutput(out)
    archive = zipfile.ZipFile(guarded, "w", compression=zipfile.ZIP_DEFLATED)
    try:
        manifest = _write(archive, name, by_id, splits, artist_name, created_at, provenance)
        archive.close()
    except BaseException:
        guarded.abort()
        archive.close()
        if start is not None:
            out.seek(start)
            out.truncate()
        raise
    return manifest


def write_dataset_zip(items: Sequence[DatasetItem], path: Path, **options: Any) -> DatasetManifest:
    """`build_dataset_zip` into `path` atomically: a temporary file beside it, renamed only on success."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as out:
            manifest = build_dataset_zip(items, out, **options)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


class _AbortableOutput(io.RawIOBase):
    """Passes writes through to `out` until aborted, then discards them (keeping positions consistent), so
    closing the half-built zip, which zipfile also does when the object is collected, writes nothing."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__()
        self._out = out
        self._void_position: int | None = None

    def abort(self) -> None:
        self._void_position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._out.seekable()

    def write(self, data: Any) -> int:
        if self._void_position is None:
            return self._out.write(data)
        self._void_position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if self._void_position is None:
            return self._out.seek(offset, whence)
        self._void_position = offset if whence == io.SEEK_SET else self._void_position + offset
        return self._void_position

    def tell(self) -> int:
        return self._out.tell() if self._void_position is None else self._void_position

    def flush(self) -> None:
        if self._void_position is None:
            self._out.flush()


def _check_items(items: Sequence[DatasetItem], forbidden: Sequence[str]) -> None:
    if not items:
        raise DatasetError("a dataset needs at least one item")
    seen: set[str] = set()
    for item in items:
        if not _ITEM_ID.match(item.item_id):
            raise DatasetError(f"item id {item.item_id!r} is not a safe file name (letters, digits, - and _)")
        if item.item_id in seen:
            raise DatasetError(f"item id {item.item_id!r} appears twice")
        seen.add(item.item_id)
        if item.audio_info.format not in TRAINABLE_FORMATS:
            raise DatasetError(f"item {item.item_id}: audio format {item.audio_info.format} is not trainable")
        problems = caption_problems(item.caption, forbidden)
        if problems:
            raise DatasetError(f"item {item.item_id}: caption breaks the rules: {'; '.join(problems)}")


def _split_score(item_id: str) -> float:
    return int.from_bytes(hashlib.sha256(item_id.encode()).digest()[:8], "big") / 2**64


def _write(
    archive: zipfile.ZipFile,
    name: str,
    items: dict[str, DatasetItem],
    splits: dict[Split, list[str]],
    artist_name: str,
    created_at: datetime,
    provenance: dict[str, Any],
) -> DatasetManifest:
    entries: list[DatasetEntry] = []
    for split in _SPLITS:
        folder = f"dataset/{name}/{split}"
        hf_rows = []
        for item_id in splits[split]:
            item = items[item_id]
            audio_path = f"{folder}/{item_id}.{item.file_extension}"
            sidecar_path = f"{folder}/{item_id}.json"
            sha256 = _copy_audio(archive, audio_path, item.audio)
            _write_json(archive, sidecar_path, music_info(item, artist_name))
            hf_rows.append(_hf_row(item))
            info = item.audio_info
            entries.append(
                DatasetEntry(
                    item_id=item_id,
                    split=split,
                    audio_path=audio_path,
                    sidecar_path=sidecar_path,
                    duration=info.duration,
                    sample_rate=info.sample_rate,
                    audio_sha256=sha256,
                )
            )
        if hf_rows:
            _write_text(archive, f"{folder}/metadata.jsonl", _jsonl(hf_rows))
        split_entries = [e for e in entries if e.split == split]
        _write_text(
            archive, f"egs/{name}/{split}/data.jsonl", _jsonl(_manifest_line(e, items) for e in split_entries)
        )
    infos = [item.audio_info for item in items.values()]
    dset = {
        "max_sample_rate": max(MUSICGEN_SAMPLE_RATE, *(i.sample_rate for i in infos)),
        "max_channels": max(i.channels for i in infos),
        "train": f"egs/{name}/train",
        "valid": f"egs/{name}/valid",
        "evaluate": f"egs/{name}/valid",
        "generate": f"egs/{name}/valid",
    }
    header = f"# @package __global__\n# audiocraft datasource for {name}: train with dset=audio/{name}\n"
    _write_text(
        archive,
        f"config/dset/audio/{name}.yaml",
        header + yaml.safe_dump({"datasource": dset}, sort_keys=False),
    )
    seconds = {s: round(sum(e.duration for e in entries if e.split == s), 3) for s in _SPLITS}
    manifest = DatasetManifest(
        name=name,
        artist_name=artist_name,
        created_at=created_at,
        item_ids=sorted(items),
        entries=entries,
        train_seconds=seconds["train"],
        valid_seconds=seconds["valid"],
        files=[],
    )
    _write_json(
        archive,
        "provenance.json",
        {
            "dataset": name,
            "artist": artist_name,
            "created_at": created_at.isoformat(),
            "items": [
                e.model_dump(include={"item_id", "split", "audio_path", "audio_sha256"}) for e in entries
            ],
            "pipeline": provenance,
        },
    )
    _write_text(archive, "README.md", dataset_card(manifest, items))
    manifest.files = archive.namelist()
    return manifest


def music_info(item: DatasetItem, artist_name: str) -> dict[str, Any]:
    """The audiocraft sidecar: every MusicInfo field present (empty string when unknown, as audiocraft's own
    example does), plus the audio facts its example carries."""
    caption = item.caption
    bpm = item.bpm if item.bpm is not None else caption.bpm
    key = item.key if item.key is not None else caption.key
    return {
        "title": item.title,
        "artist": artist_name,
        "key": (key or "").lower(),
        "bpm": bpm if bpm is not None else "",
        "genre": caption.genre[0] if caption.genre else "",
        "moods": caption.moods,
        "keywords": caption.keywords,
        "description": caption.text,
        "name": item.item_id,
        "instrument": ", ".join(caption.instruments),
        "sample_rate": item.audio_info.sample_rate,
        "duration": item.audio_info.duration,
        "file_extension": item.file_extension,
    }


def _hf_row(item: DatasetItem) -> dict[str, str]:
    """An audiofolder metadata row. Tags are comma-joined strings and bpm a string ("" when unknown): HF
    requires identical column types in every split's metadata, and an all-null column would not be."""
    caption = item.caption
    bpm = item.bpm if item.bpm is not None else caption.bpm
    return {
        "file_name": f"{item.item_id}.{item.file_extension}",
        "text": caption.text,
        "genre": ", ".join(caption.genre),
        "moods": ", ".join(caption.moods),
        "instruments": ", ".join(caption.instruments),
        "keywords": ", ".join(caption.keywords),
        "key": item.key or caption.key or "",
        "bpm": f"{bpm:g}" if bpm is not None else "",
    }


def _manifest_line(entry: DatasetEntry, items: dict[str, DatasetItem]) -> dict[str, Any]:
    # info_path stays null: audiocraft finds the sidecar beside the audio (same stem, .json).
    info = items[entry.item_id].audio_info
    return {
        "path": entry.audio_path,
        "duration": info.duration,
        "sample_rate": info.sample_rate,
        "amplitude": info.peak,
        "weight": None,
        "info_path": None,
    }


def _copy_audio(archive: zipfile.ZipFile, arcname: str, source: AudioSource) -> str:
    """Stream the audio into the zip uncompressed (it is compressed audio or PCM) and return its sha256."""
    digest = hashlib.sha256()
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    with archive.open(info, "w", force_zip64=True) as target:
        if isinstance(source, bytes):
            digest.update(source)
            target.write(source)
        else:
            with source.open("rb") if isinstance(source, Path) else source() as stream:
                _copy_hashing(stream, target, digest)
    return digest.hexdigest()


def _copy_hashing(stream: IO[bytes], target: IO[bytes], digest: Any) -> None:
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        target.write(chunk)


def _write_json(archive: zipfile.ZipFile, arcname: str, value: Any) -> None:
    _write_text(archive, arcname, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _write_text(archive: zipfile.ZipFile, arcname: str, text: str) -> None:
    info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text.encode())


def _jsonl(rows: Any) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def dataset_card(manifest: DatasetManifest, items: dict[str, DatasetItem]) -> str:
    """The README: what is inside and how each trainer loads it."""
    name = manifest.name
    counts = {s: sum(1 for e in manifest.entries if e.split == s) for s in _SPLITS}
    rates = sorted({item.audio_info.sample_rate for item in items.values()})
    short = sum(1 for item in items.values() if item.audio_info.duration < 30.0)
    notes = "\n".join(
        note
        for note, applies in (
            (f"{short} item(s) are shorter than 30 s; audiocraft pads them with silence to 30 s.", short > 0),
            (
                "Only one item: it is used for both splits, so validation metrics are training metrics.",
                len(manifest.item_ids) == 1,
            ),
        )
        if applies
    )
    return f"""# {name}

MusicGen fine-tuning data for **{manifest.artist_name}**, built by DAWA on {manifest.created_at.isoformat()}.
Each item pairs a render of one of the artist's Live Sets with a caption describing its sound
(1-3 English sentences, at most 60 words, no names) and structured tags.

| split | items | audio seconds |
|---|---|---|
| train | {counts["train"]} | {manifest.train_seconds:.1f} |
| valid | {counts["valid"]} | {manifest.valid_seconds:.1f} |

Sample rates: {", ".join(f"{r} Hz" for r in rates)} (audiocraft resamples to 32 kHz mono on load).
{notes}

Splits are fixed by a hash of each item id (stable as items are added; both splits always hold at least one
item because audiocraft refuses an empty manifest).

## Layout

- `dataset/{name}/{{train,valid}}/<item>.<ext>`: audio; `<item>.json` beside it is audiocraft's MusicInfo
  sidecar (`description` is the caption; `artist` is metadata only and never reaches the model).
- `egs/{name}/{{train,valid}}/data.jsonl`: audiocraft manifests; paths are relative to the unzip root.
- `config/dset/audio/{name}.yaml`: audiocraft datasource.
- `dataset/{name}/{{train,valid}}/metadata.jsonl`: Hugging Face audiofolder metadata (`file_name`, `text`,
  tags).
- `provenance.json`: how this dataset was built, with each audio file's sha256.

## Train with audiocraft

Dora resolves the relative manifest paths against the directory it is launched from, so unzip this archive at
the root of an audiocraft checkout (its `config/`, `egs/` and `dataset/` folders receive the files), then run
there:

    dora run solver=musicgen/musicgen_base_32khz model/lm/model_scale=small \\
        continue_from=//pretrained/facebook/musicgen-small conditioner=text2music dset=audio/{name}

Alternatively unzip elsewhere and rewrite each manifest `path` to an absolute path.

## Load with Hugging Face datasets

    from datasets import load_dataset
    ds = load_dataset("audiofolder", data_dir="<unzip root>")
    # ds["train"], ds["validation"]: columns audio, text, genre, moods, instruments, keywords, key, bpm
"""

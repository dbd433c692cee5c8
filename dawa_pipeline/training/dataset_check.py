"""Checks a dataset zip the way its readers read it: audiocraft (dset yaml, manifests, MusicInfo sidecars,
decodable audio of the stated duration) and Hugging Face audiofolder (metadata rows), plus the caption rules.
Kept apart from the writer (`dataset.py`) so it judges any zip, including one this code did not write."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import yaml

from dawa_pipeline.training.audio import AudioInfo, AudioRejected, inspect_audio_stream
from dawa_pipeline.training.captions import Caption, caption_problems

MUSIC_INFO_FIELDS = (
    "title",
    "artist",
    "key",
    "bpm",
    "genre",
    "moods",
    "keywords",
    "description",
    "name",
    "instrument",
)
"""audiocraft `MusicInfo` fields; with `info_fields_required=True` (its default) all but keywords must
exist; `dataset.music_info` writes every one and the check asks for every one."""
MANIFEST_FIELDS = ("path", "duration", "sample_rate", "amplitude", "weight", "info_path")
"""audiocraft `AudioMeta` fields, one JSON object per manifest line."""
AUDIOCRAFT_EXTENSIONS = {".wav", ".mp3", ".flac", ".ogg", ".m4a"}
DURATION_TOLERANCE = 0.05


def check_dataset_zip(source: Path | BinaryIO, *, forbidden_names: Sequence[str]) -> list[str]:
    """Every reason the zip would not load as audiocraft and HF audiofolder read it; empty when it is fine."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        return [f"not a readable zip archive: {error}"]
    with archive:
        return _Checker(archive, forbidden_names).run()


class _Checker:
    def __init__(self, archive: zipfile.ZipFile, forbidden_names: Sequence[str]) -> None:
        self.archive = archive
        self.names = set(archive.namelist())
        self.forbidden = list(forbidden_names)
        self.problems: list[str] = []
        self.decoded: dict[str, AudioInfo | None] = {}
        self.listed: set[str] = set()

    def run(self) -> list[str]:
        configs = sorted(n for n in self.names if re.fullmatch(r"config/dset/audio/[^/]+\.yaml", n))
        if not configs:
            self.problems.append("no audiocraft dset yaml under config/dset/audio/")
        manifests = {manifest for config in configs for manifest in self._config_manifests(config)}
        for manifest in sorted(manifests):
            self._check_manifest(manifest)
        for metadata in sorted(n for n in self.names if PurePosixPath(n).name == "metadata.jsonl"):
            self._check_hf_metadata(metadata)
        for name in sorted(self.names):
            if PurePosixPath(name).suffix in AUDIOCRAFT_EXTENSIONS and name not in self.listed:
                self.problems.append(f"{name}: audio file is in no manifest")
        return self.problems

    def _config_manifests(self, config: str) -> list[str]:
        """The manifests a dset yaml names (audiocraft needs all four datasource splits)."""
        try:
            datasource = yaml.safe_load(self.archive.read(config))["datasource"]
        except (yaml.YAMLError, KeyError, TypeError) as error:
            self.problems.append(f"{config}: not an audiocraft dset yaml ({error})")
            return []
        manifests = []
        for split in ("train", "valid", "evaluate", "generate"):
            folder = datasource.get(split) if isinstance(datasource, dict) else None
            manifest = f"{folder}/data.jsonl"
            if not isinstance(folder, str) or manifest not in self.names:
                self.problems.append(
                    f"{config}: datasource.{split} has no data.jsonl in the zip ({folder!r})"
                )
            else:
                manifests.append(manifest)
        return manifests

    def _check_manifest(self, manifest: str) -> None:
        lines = [line for line in self.archive.read(manifest).decode().splitlines() if line.strip()]
        if not lines:
            self.problems.append(f"{manifest}: empty manifest (audiocraft refuses an empty dataset)")
        for number, line in enumerate(lines, 1):
            where = f"{manifest} line {number}"
            try:
                meta = json.loads(line)
            except json.JSONDecodeError as error:
                self.problems.append(f"{where}: not JSON ({error})")
                continue
            missing = [f for f in MANIFEST_FIELDS if f not in meta]
            if missing:
                self.problems.append(f"{where}: missing fields {missing}")
                continue
            self._check_entry(where, meta)

    def _check_entry(self, where: str, meta: dict[str, Any]) -> None:
        path = meta["path"]
        if path not in self.names:
            self.problems.append(f"{where}: audio {path!r} is not in the zip")
            return
        self.listed.add(path)
        info = self._decode(path)
        if info is not None:
            if not isinstance(meta["duration"], int | float):
                self.problems.append(f"{where}: duration {meta['duration']!r} is not a number")
            elif abs(info.duration - meta["duration"]) > DURATION_TOLERANCE:
                self.problems.append(
                    f"{where}: duration {meta['duration']} s but the audio decodes to {info.duration} s"
                )
            if info.sample_rate != meta["sample_rate"]:
                self.problems.append(
                    f"{where}: sample_rate {meta['sample_rate']} but the audio is {info.sample_rate} Hz"
                )
        sidecar = str(PurePosixPath(path).with_suffix(".json"))
        if sidecar not in self.names:
            self.problems.append(f"{where}: sidecar {sidecar} is missing")
            return
        self._check_sidecar(sidecar)

    def _check_sidecar(self, sidecar: str) -> None:
        try:
            info = json.loads(self.archive.read(sidecar))
        except json.JSONDecodeError as error:
            self.problems.append(f"{sidecar}: not JSON ({error})")
            return
        missing = [f for f in MUSIC_INFO_FIELDS if f not in info]
        if missing:
            self.problems.append(f"{sidecar}: missing MusicInfo fields {missing}")
            return
        self._check_caption(sidecar, info["description"])

    def _check_hf_metadata(self, metadata: str) -> None:
        folder = PurePosixPath(metadata).parent
        rows = []
        for number, line in enumerate(self.archive.read(metadata).decode().splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                self.problems.append(f"{metadata} line {number}: not JSON ({error})")
                continue
            if not isinstance(row.get("file_name"), str) or not isinstance(row.get("text"), str):
                self.problems.append(f"{metadata} line {number}: needs string file_name and text")
                continue
            rows.append(row)
            if str(folder / row["file_name"]) not in self.names:
                self.problems.append(f"{metadata} line {number}: {row['file_name']!r} is not in {folder}/")
            self._check_caption(f"{metadata} line {number}", row["text"])
        named = {str(folder / row["file_name"]) for row in rows}
        audio = {
            n
            for n in self.names
            if PurePosixPath(n).parent == folder and PurePosixPath(n).suffix in AUDIOCRAFT_EXTENSIONS
        }
        for path in sorted(audio - named):
            self.problems.append(f"{metadata}: no row for {path}")
        if len(named) != len(rows):
            self.problems.append(f"{metadata}: a file_name appears more than once")
        if len({tuple(sorted(row)) for row in rows}) > 1:
            self.problems.append(f"{metadata}: rows have different columns")

    def _check_caption(self, where: str, text: object) -> None:
        if not isinstance(text, str):
            self.problems.append(f"{where}: caption is not a string")
            return
        caption = Caption(text=text, genre=[], moods=[], instruments=[], bpm=None, key=None, keywords=[])
        self.problems.extend(f"{where}: {p}" for p in caption_problems(caption, self.forbidden))

    def _decode(self, path: str) -> AudioInfo | None:
        if path not in self.decoded:
            try:
                with self.archive.open(path) as stream:
                    self.decoded[path] = inspect_audio_stream(stream, path, min_seconds=0.0)
            except AudioRejected as error:
                self.problems.append(error.reason)
                self.decoded[path] = None
        return self.decoded[path]

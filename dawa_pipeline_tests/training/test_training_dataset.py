"""Dataset zips: built from real synthesised audio and read back the way audiocraft and HF audiofolder read
them (the checker's own tests are in test_dataset_check.py)."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pytest
import yaml
from training_factory import ARTIST, CREATED, dataset_zip

from dawa_pipeline.training.dataset import (
    DatasetError,
    DatasetItem,
    build_dataset_zip,
    dataset_name,
    split_items,
    write_dataset_zip,
)
from dawa_pipeline.training.dataset_check import MANIFEST_FIELDS, MUSIC_INFO_FIELDS, check_dataset_zip

HF_SPLIT_WORDS = {
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


def test_the_manifest_describes_what_was_written(items: list[DatasetItem]) -> None:
    out = io.BytesIO()
    manifest = build_dataset_zip(
        items, out, artist_name=ARTIST, created_at=CREATED, provenance={}, valid_fraction=0.3
    )
    assert manifest.name == "dawa_nova_vale"
    assert manifest.item_ids == sorted(i.item_id for i in items)
    assert {e.split for e in manifest.entries} == {"train", "valid"}
    total = sum(i.audio_info.duration for i in items)
    assert manifest.train_seconds + manifest.valid_seconds == pytest.approx(total)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(manifest.files)
        provenance = json.loads(archive.read("provenance.json"))
    assert provenance["pipeline"] == {}
    assert {i["item_id"] for i in provenance["items"]} == set(manifest.item_ids)


def test_building_is_deterministic(items: list[DatasetItem], built: bytes) -> None:
    assert dataset_zip(items, valid_fraction=0.3) == built


def test_audiocraft_reads_every_manifest_line_from_the_unzip_root(built: bytes, tmp_path: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        archive.extractall(tmp_path)
    (config,) = (tmp_path / "config/dset/audio").glob("*.yaml")
    assert config.stem == "dawa_nova_vale"
    datasource = yaml.safe_load(config.read_text())["datasource"]
    assert datasource["max_sample_rate"] >= 32_000 and datasource["max_channels"] >= 1
    seen = set()
    for split in ("train", "valid", "evaluate", "generate"):
        lines = (tmp_path / datasource[split] / "data.jsonl").read_text().splitlines()
        assert lines, f"{split} manifest is empty"
        for line in lines:
            meta = json.loads(line)
            assert set(MANIFEST_FIELDS) <= set(meta)
            audio = tmp_path / meta["path"]
            assert audio.is_file() and audio.suffix == ".mp3"
            sidecar = json.loads(audio.with_suffix(".json").read_text())
            assert set(MUSIC_INFO_FIELDS) <= set(sidecar)
            assert sidecar["artist"] == ARTIST and sidecar["description"]
            assert sidecar["key"] == "a minor" and float(sidecar["bpm"]) == 124.0
            assert isinstance(sidecar["genre"], str) and isinstance(sidecar["moods"], list)
            seen.add(meta["path"])
    assert len(seen) == 6


def test_hf_audiofolder_sees_the_audio_in_its_split_directories(built: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        names = archive.namelist()
        metadata = {n: archive.read(n).decode().splitlines() for n in names if n.endswith("metadata.jsonl")}
    directories = {part for name in names for part in PurePosixPath(name).parent.parts}
    assert directories & HF_SPLIT_WORDS == {"train", "valid"}
    audio = [PurePosixPath(n) for n in names if n.endswith(".mp3")]
    assert all(path.parent.name in {"train", "valid"} for path in audio)
    columns = set()
    for path, rows in metadata.items():
        folder = PurePosixPath(path).parent
        parsed = [json.loads(row) for row in rows]
        assert {str(folder / row["file_name"]) for row in parsed} == {
            str(a) for a in audio if a.parent == folder
        }
        columns |= {tuple(sorted(row)) for row in parsed}
        assert all(row["text"] and row["bpm"] == "124" for row in parsed)
    assert len(columns) == 1 and {"file_name", "text"} <= set(columns.pop())


def test_dataset_names_avoid_split_words_and_unsafe_characters() -> None:
    assert dataset_name("Test Valid 2 Train") == "dawa_artist"
    assert dataset_name("Björk & the Dev-Team") == "dawa_bjork_the_team"
    assert dataset_name("../../etc") == "dawa_etc"


def test_the_split_is_deterministic_stable_and_never_leaves_a_side_empty() -> None:
    ids = [f"id-{i}" for i in range(40)]
    split = split_items(ids, 0.25)
    assert split == split_items(list(reversed(ids)), 0.25)
    assert split["train"] and split["valid"] and not set(split["train"]) & set(split["valid"])
    grown = split_items([*ids, *(f"new-{i}" for i in range(20))], 0.25)
    assert set(split["valid"]) <= set(grown["valid"])
    assert split_items(["a", "b"], 0.0)["valid"] and split_items(["a", "b"], 0.99)["train"]


def test_a_single_item_serves_both_splits(items: list[DatasetItem]) -> None:
    data = dataset_zip(items[:1])
    assert check_dataset_zip(io.BytesIO(data), forbidden_names=[ARTIST]) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        train = archive.read("egs/dawa_nova_vale/train/data.jsonl").decode()
        valid = archive.read("egs/dawa_nova_vale/valid/data.jsonl").decode()
        assert "used for both splits" in archive.read("README.md").decode()
    assert train.replace("/train/", "/valid/") == valid


def test_a_caption_naming_the_artist_stops_the_build_before_writing(items: list[DatasetItem]) -> None:
    leaking = items[0].caption.model_copy(update={"text": "Dark techno in the style of nova vale."})
    bad = replace(items[0], caption=leaking)
    out = io.BytesIO()
    with pytest.raises(DatasetError, match="item item-0: caption breaks the rules"):
        build_dataset_zip([bad], out, artist_name=ARTIST, created_at=CREATED, provenance={})
    assert out.getvalue() == b""


@pytest.mark.parametrize("item_id", ["../escape", "a/b", "", "x" * 200])
def test_unsafe_item_ids_are_refused(items: list[DatasetItem], item_id: str) -> None:
    bad = replace(items[0], item_id=item_id)
    with pytest.raises(DatasetError, match="not a safe file name"):
        build_dataset_zip([bad], io.BytesIO(), artist_name=ARTIST, created_at=CREATED, provenance={})


def test_a_failure_while_writing_leaves_nothing_usable(items: list[DatasetItem], tmp_path: Path) -> None:
    def broken_stream() -> BinaryIO:
        raise OSError("storage went away")

    failing = [*items[:2], replace(items[2], audio=broken_stream)]
    out = io.BytesIO(b"")
    with pytest.raises(OSError, match="storage went away"):
        build_dataset_zip(failing, out, artist_name=ARTIST, created_at=CREATED, provenance={})
    assert out.getvalue() == b""
    target = tmp_path / "dataset.zip"
    with pytest.raises(OSError):
        write_dataset_zip(failing, target, artist_name=ARTIST, created_at=CREATED, provenance={})
    assert list(tmp_path.iterdir()) == []


def test_audio_streams_from_files_and_callables(items: list[DatasetItem], tmp_path: Path) -> None:
    first, second = items[0], items[1]
    path = tmp_path / "first.mp3"
    path.write_bytes(first.audio)  # type: ignore[arg-type]
    streamed = [
        replace(first, audio=path),
        replace(second, audio=lambda: io.BytesIO(second.audio)),  # type: ignore[arg-type]
    ]
    target = tmp_path / "out" / "dataset.zip"
    target.parent.mkdir()
    manifest = write_dataset_zip(streamed, target, artist_name=ARTIST, created_at=CREATED, provenance={})
    assert check_dataset_zip(target, forbidden_names=[ARTIST]) == []
    assert list(target.parent.iterdir()) == [target]
    assert len({e.audio_sha256 for e in manifest.entries}) == 2

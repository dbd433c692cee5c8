"""Dataset zips: built from real synthesised audio, read back the way audiocraft and HF audiofolder read them,
and corrupted to prove the checker catches what would break training."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import pytest
import yaml
from training_factory import dataset_item

from dawa_pipeline.training.dataset import (
    MANIFEST_FIELDS,
    MUSIC_INFO_FIELDS,
    DatasetError,
    DatasetItem,
    build_dataset_zip,
    check_dataset_zip,
    dataset_name,
    split_items,
    write_dataset_zip,
)

ARTIST = "Nova Vale"
CREATED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
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


@pytest.fixture(scope="module")
def items() -> list[DatasetItem]:
    return [dataset_item(f"item-{i}", seconds=5.0 + i * 0.5) for i in range(6)]


def build(items: list[DatasetItem], **options: object) -> bytes:
    out = io.BytesIO()
    build_dataset_zip(
        items,
        out,
        artist_name=ARTIST,
        created_at=CREATED,
        provenance={"run_id": "r1"},
        **options,  # type: ignore[arg-type]
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def built(items: list[DatasetItem]) -> bytes:
    return build(items, valid_fraction=0.3)


def rewrite(data: bytes, edit: Callable[[str, bytes], bytes | None]) -> bytes:
    """A copy of the zip with each member passed through `edit` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = edit(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
    return out.getvalue()


def edit_json(match: Callable[[str], bool], change: Callable[[dict], None]) -> Callable[[str, bytes], bytes]:
    def edit(name: str, content: bytes) -> bytes:
        if not match(name):
            return content
        lines = []
        for line in content.decode().splitlines():
            value = json.loads(line) if name.endswith(".jsonl") else json.loads(content)
            change(value)
            lines.append(json.dumps(value))
            if not name.endswith(".jsonl"):
                break
        return ("\n".join(lines) + "\n").encode()

    return edit


def test_a_built_zip_passes_the_check(built: bytes) -> None:
    assert check_dataset_zip(io.BytesIO(built), forbidden_names=[ARTIST, "Ada Quill"]) == []


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
    assert build(items, valid_fraction=0.3) == built


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
    data = build(items[:1])
    assert check_dataset_zip(io.BytesIO(data), forbidden_names=[ARTIST]) == []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        train = archive.read("egs/dawa_nova_vale/train/data.jsonl").decode()
        valid = archive.read("egs/dawa_nova_vale/valid/data.jsonl").decode()
        assert "used for both splits" in archive.read("README.md").decode()
    assert train.replace("/train/", "/valid/") == valid


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            edit_json(lambda n: n.endswith("item-1.json"), lambda v: v.pop("genre")),
            "missing MusicInfo fields ['genre']",
        ),
        (
            edit_json(lambda n: n.endswith("/data.jsonl"), lambda v: v.update(duration=v["duration"] + 1)),
            "but the audio decodes to",
        ),
        (
            edit_json(
                lambda n: n.endswith("item-2.json"), lambda v: v.update(description="A track by Nova Vale.")
            ),
            "names 'Nova Vale'",
        ),
        (lambda n, c: None if n.endswith("item-3.mp3") else c, "is not in the zip"),
        (lambda n, c: None if n.endswith("item-4.json") else c, "sidecar"),
        (lambda n, c: b"not audio at all" * 100 if n.endswith("item-0.mp3") else c, "cannot decode audio"),
        (
            edit_json(lambda n: n.endswith("metadata.jsonl"), lambda v: v.update(file_name="gone.mp3")),
            "no row for",
        ),
        (lambda n, c: None if n.endswith(".yaml") else c, "no audiocraft dset yaml"),
    ],
)
def test_corruptions_are_caught(
    built: bytes, edit: Callable[[str, bytes], bytes | None], problem: str
) -> None:
    problems = check_dataset_zip(io.BytesIO(rewrite(built, edit)), forbidden_names=[ARTIST])
    assert any(problem in p for p in problems), problems


def test_an_audio_file_outside_every_manifest_is_reported(built: bytes) -> None:
    def drop_first_line(name: str, content: bytes) -> bytes:
        return (
            b"".join(content.splitlines(keepends=True)[1:]) if name.endswith("train/data.jsonl") else content
        )

    problems = check_dataset_zip(io.BytesIO(rewrite(built, drop_first_line)), forbidden_names=[])
    assert any("audio file is in no manifest" in p for p in problems), problems


def test_not_a_zip_is_reported() -> None:
    assert check_dataset_zip(io.BytesIO(b"nope"), forbidden_names=[])[0].startswith(
        "not a readable zip archive"
    )


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

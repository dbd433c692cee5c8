"""The dataset zip check: a zip the writer built passes, and corrupted copies show it catches what would
break training in audiocraft or HF audiofolder."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

import pytest
from training_factory import ARTIST

from dawa_pipeline.training.dataset_check import check_dataset_zip


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

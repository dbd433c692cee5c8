"""LocalStorage on a real temporary folder: files land where the layout says, and nothing escapes the root."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from dawa_pipeline.storage import InvalidObjectPath, LocalStorage, ObjectNotFound, StorageError


def test_objects_are_files_under_the_root(local_storage: LocalStorage) -> None:
    local_storage.put("artists/nina-k/profile/fingerprint.png", b"png")
    assert (local_storage.root / "artists/nina-k/profile/fingerprint.png").read_bytes() == b"png"
    assert local_storage.describe("artists/nina-k/profile/fingerprint.png") == str(
        local_storage.root / "artists/nina-k/profile/fingerprint.png"
    )


def test_put_replaces_and_leaves_no_temp_files(local_storage: LocalStorage) -> None:
    local_storage.put("a/summary.json", b"old")
    local_storage.put("a/summary.json", b"new")
    assert local_storage.get("a/summary.json") == b"new"
    assert os.listdir(local_storage.root / "a") == ["summary.json"]


def test_readers_never_see_a_partial_write(local_storage: LocalStorage) -> None:
    """A reader polling while a writer alternates two large contents only ever sees one or the other."""
    contents = (b"a" * 1_000_000, b"b" * 1_500_000)
    local_storage.put("big.bin", contents[0])
    done = threading.Event()

    def write_repeatedly() -> None:
        for round_number in range(10):
            local_storage.put("big.bin", contents[round_number % 2])
        done.set()

    writer = threading.Thread(target=write_repeatedly)
    writer.start()
    seen = set()
    while not done.is_set():
        seen.add(local_storage.get("big.bin"))
    writer.join()
    assert seen <= set(contents)


def test_put_file_and_download_copy_whole_files(local_storage: LocalStorage, tmp_path: Path) -> None:
    source = tmp_path / "dataset.zip"
    source.write_bytes(os.urandom(300_000))
    local_storage.put_file("artists/a/datasets/dataset-20260102T030405Z.zip", source)
    target = tmp_path / "out" / "copy.zip"
    local_storage.download("artists/a/datasets/dataset-20260102T030405Z.zip", target)
    assert target.read_bytes() == source.read_bytes()


def test_missing_objects(local_storage: LocalStorage, tmp_path: Path) -> None:
    assert not local_storage.exists("nope/x.json")
    with pytest.raises(ObjectNotFound, match=re.escape("nope/x.json")):
        local_storage.get("nope/x.json")
    with pytest.raises(ObjectNotFound, match=re.escape("nope/x.json")):
        local_storage.download("nope/x.json", tmp_path / "x.json")
    with pytest.raises(ObjectNotFound, match=re.escape("nope/x.json")):
        local_storage.signed_url("nope/x.json")
    assert not (tmp_path / "x.json").exists()


def test_a_folder_is_not_an_object(local_storage: LocalStorage) -> None:
    local_storage.put("a/b/c.txt", b"c")
    assert not local_storage.exists("a/b")
    with pytest.raises(ObjectNotFound):
        local_storage.get("a/b")


def test_delete_removes_files_and_ignores_missing_ones(local_storage: LocalStorage) -> None:
    local_storage.put("a/1.txt", b"1")
    local_storage.put("a/2.txt", b"2")
    local_storage.delete(["a/1.txt", "a/never-there.txt"])
    assert [obj.path for obj in local_storage.list("a")] == ["a/2.txt"]


def test_list_reports_size_and_modification_time(local_storage: LocalStorage) -> None:
    local_storage.put("a/x.bin", b"12345")
    os.utime(local_storage.root / "a/x.bin", (1_700_000_000, 1_700_000_000))
    [listed] = local_storage.list("a/")
    assert (listed.path, listed.size) == ("a/x.bin", 5)
    assert listed.updated_at.timestamp() == 1_700_000_000
    assert listed.updated_at.utcoffset() is not None and listed.updated_at.utcoffset().total_seconds() == 0


def test_list_of_a_missing_folder_is_empty(local_storage: LocalStorage) -> None:
    assert list(local_storage.list("artists/nobody/")) == []


def test_list_skips_unfinished_writes(local_storage: LocalStorage) -> None:
    local_storage.put("a/done.txt", b"x")
    (local_storage.root / "a/.dawa-partial-abc123").write_bytes(b"half")
    assert [obj.path for obj in local_storage.list("")] == ["a/done.txt"]


def test_signed_url_is_a_file_url_of_the_object(local_storage: LocalStorage) -> None:
    local_storage.put("artists/a/training/t1/prompt.txt", b"warm pads")
    url = local_storage.signed_url("artists/a/training/t1/prompt.txt", expires_in=60)
    parsed = urlparse(url)
    assert parsed.scheme == "file"
    assert Path(unquote(parsed.path)).read_bytes() == b"warm pads"


@pytest.mark.parametrize(
    "crafted",
    [
        "../outside.txt",
        "a/../../outside.txt",
        "/etc/passwd",
        "a\\..\\..\\outside.txt",
        "a//b",
        "a/./b",
        "",
        "a\x00b",
    ],
)
def test_crafted_paths_cannot_escape_the_root(local_storage: LocalStorage, crafted: str) -> None:
    with pytest.raises(InvalidObjectPath):
        local_storage.put(crafted, b"x")
    with pytest.raises(InvalidObjectPath):
        local_storage.get(crafted)
    assert not (local_storage.root.parent / "outside.txt").exists()


def test_a_symlink_cannot_lead_outside_the_root(local_storage: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    local_storage.root.mkdir(parents=True)
    (local_storage.root / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InvalidObjectPath, match="outside the storage folder"):
        local_storage.get("link/secret.txt")
    with pytest.raises(InvalidObjectPath):
        local_storage.put("link/planted.txt", b"x")
    assert list(local_storage.list("")) == []
    assert not (outside / "planted.txt").exists()


def test_write_failures_name_the_object(local_storage: LocalStorage) -> None:
    local_storage.put("a/file", b"x")
    with pytest.raises(StorageError, match=re.escape("a/file/inner.txt: cannot write it")):
        local_storage.put("a/file/inner.txt", b"y")

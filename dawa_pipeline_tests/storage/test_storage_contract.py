"""One contract, both backends: the local folder and Supabase (on the fake Storage API) behave the same."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dawa_pipeline.storage import InvalidObjectPath, ObjectNotFound, StorageBackend, layout


def artist_tree() -> dict[str, bytes]:
    """One artist's objects as the pipeline writes them, names from hostile user data included."""
    project, als = "../Winter EP: Vol. 2", "Café Nöel [final]"
    parse_id = "20260102T030405Z-4f1e9a51"
    return {
        layout.upload_path("nina-k", project, f"{als}.als"): b"als",
        layout.upload_path("nina-k", "夜の曲", "夜.als"): b"als-2",
        layout.summary_json_path("nina-k", project, als, parse_id): b"{}",
        layout.timeline_path("nina-k", project, als, parse_id): b"png",
        layout.training_audio_path("nina-k", "0b9e4d7c-3f7a-4f1e-9a51-2f4a8c6d1e20"): b"mp3",
        layout.prompt_path("nina-k", "0b9e4d7c-3f7a-4f1e-9a51-2f4a8c6d1e20"): b"warm pads",
        layout.dataset_zip_path("nina-k", datetime(2026, 1, 2, tzinfo=UTC)): b"zip",
        layout.fingerprint_chart_path("nina-k"): b"png",
        layout.fingerprint_chart_path("nina-kraviz"): b"other artist",
    }


def test_layout_paths_round_trip(backend: StorageBackend) -> None:
    tree = artist_tree()
    for path, data in tree.items():
        backend.put(path, data)
    assert {path: backend.get(path) for path in tree} == tree
    assert [obj.path for obj in backend.list("")] == sorted(tree)
    assert [obj.path for obj in backend.list(layout.artist_prefix("nina-k"))] == sorted(
        path for path in tree if path.startswith("artists/nina-k/")
    )
    uploads = [layout.parse_upload_path(obj.path) for obj in backend.list(layout.uploads_prefix("nina-k"))]
    assert all(ref is not None for ref in uploads) and len(uploads) == 2


def test_list_is_in_path_order_across_folders(backend: StorageBackend) -> None:
    paths = ["a/b.txt", "a-c.txt", "a.txt", "ab/x/y.txt", "B.txt", "a/b/c.txt", "a b.txt"]
    for path in paths:
        backend.put(path, b"x")
    assert [obj.path for obj in backend.list("")] == sorted(paths)


def test_list_prefix_is_a_folder(backend: StorageBackend) -> None:
    for path in ("artists/a/x.txt", "artists/ab/y.txt", "artists/a/deep/z.txt"):
        backend.put(path, b"x")
    expected = ["artists/a/deep/z.txt", "artists/a/x.txt"]
    assert [obj.path for obj in backend.list("artists/a")] == expected
    assert [obj.path for obj in backend.list("artists/a/")] == expected
    assert list(backend.list("artists/nobody/")) == []


def test_list_limit(backend: StorageBackend) -> None:
    for number in range(5):
        backend.put(f"f/{number}.txt", b"x")
    assert [obj.path for obj in backend.list("f", limit=2)] == ["f/0.txt", "f/1.txt"]
    assert list(backend.list("f", limit=0)) == []
    assert len(list(backend.list("f"))) == 5
    with pytest.raises(ValueError, match="limit"):
        backend.list("f", limit=-1)


def test_list_reports_size_and_recent_utc_time(backend: StorageBackend) -> None:
    backend.put("s/obj.bin", b"123456789")
    [listed] = backend.list("s")
    assert listed.size == 9
    assert listed.updated_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - listed.updated_at) < timedelta(minutes=1)


def test_put_replaces(backend: StorageBackend) -> None:
    backend.put("r/x.json", b"old")
    backend.put("r/x.json", b"new", content_type="application/json")
    assert backend.get("r/x.json") == b"new"
    assert [obj.size for obj in backend.list("r")] == [3]


def test_put_file_and_download(backend: StorageBackend, tmp_path: Path) -> None:
    source = tmp_path / "big.zip"
    source.write_bytes(b"z" * 1_000_000)
    backend.put_file("d/big.zip", source, "application/zip")
    backend.download("d/big.zip", tmp_path / "back" / "big.zip")
    assert (tmp_path / "back" / "big.zip").read_bytes() == source.read_bytes()


def test_exists_and_delete(backend: StorageBackend) -> None:
    backend.put("e/1.txt", b"1")
    backend.put("e/2.txt", b"2")
    assert backend.exists("e/1.txt") and not backend.exists("e/3.txt")
    backend.delete(["e/1.txt", "e/3.txt"])
    assert not backend.exists("e/1.txt")
    assert [obj.path for obj in backend.list("e")] == ["e/2.txt"]


def test_missing_objects_raise_object_not_found(backend: StorageBackend, tmp_path: Path) -> None:
    for read in (backend.get, backend.signed_url, lambda path: backend.download(path, tmp_path / "x")):
        with pytest.raises(ObjectNotFound, match=re.escape("m/none.txt")):
            read("m/none.txt")


def test_signed_url_reads_the_object(
    backend: StorageBackend, read_signed_url: Callable[[str], bytes]
) -> None:
    backend.put("u/a file (1).txt", b"shared")
    assert read_signed_url(backend.signed_url("u/a file (1).txt", expires_in=60)) == b"shared"
    with pytest.raises(ValueError, match="at least one second"):
        backend.signed_url("u/a file (1).txt", expires_in=0)


@pytest.mark.parametrize("crafted", ["../x", "a/../../x", "/abs", "a//b", "a\\b", "", "a/\nb"])
def test_unsafe_paths_are_refused(backend: StorageBackend, crafted: str) -> None:
    with pytest.raises(InvalidObjectPath):
        backend.put(crafted, b"x")
    with pytest.raises(InvalidObjectPath):
        backend.exists(crafted)


def test_folders_lists_direct_subfolders_only(backend: StorageBackend) -> None:
    for path in ("artists/b-artist/uploads/p/s.als", "artists/a-artist/profile/chart.png", "artists/x.txt"):
        backend.put(path, b"x")
    assert backend.folders("artists/") == ["a-artist", "b-artist"]
    assert backend.folders("artists/a-artist") == ["profile"]
    assert backend.folders("artists/a-artist/profile/") == []
    assert backend.folders("nothing-here/") == []

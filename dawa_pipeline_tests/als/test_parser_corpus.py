"""The parser on the real Live Set corpus: every file parses, counts agree with an independent count, and the
seven hand-checked files of ground_truth.json come out exactly (tempo, time signature, track counts, plugin
instances and plugins per track)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from dawa_pipeline.als import parse_als
from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.als.plugins import normalise_plugin_name

pytestmark = pytest.mark.corpus

_KIND_BY_TAG = {"MidiTrack": "midi", "AudioTrack": "audio", "GroupTrack": "group", "ReturnTrack": "return"}
_GT_FORMAT = {"VST2": "VST2", "VST3": "VST3", "AU": "AU"}


def _corpus_files() -> list[Path]:
    folder = os.environ.get("DAWA_ALS_CORPUS")
    return sorted(Path(folder).glob("*.als")) if folder else []


def _ground_truth(corpus_dir: Path) -> list[dict[str, Any]]:
    path = Path(os.environ.get("DAWA_ALS_GROUND_TRUTH", corpus_dir.parent / "ground_truth.json"))
    if not path.is_file():
        pytest.skip(f"no ground truth at {path}")
    return json.loads(path.read_text())["files"]


def _element_tree_counts(path: Path) -> tuple[dict[str, int], int]:
    """Independent reading with the stdlib: LiveSet/Tracks children by kind, and plugin instances
    (every PluginDesc child outside the PreHear track)."""
    data = path.read_bytes()
    root = ET.fromstring(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    counts = {kind: 0 for kind in _KIND_BY_TAG.values()}
    for child in root.find("LiveSet/Tracks"):
        counts[_KIND_BY_TAG[child.tag]] += 1
    plugins = sum(len(desc) for desc in root.iter("PluginDesc"))
    prehear = root.find("LiveSet/PreHearTrack")
    plugins -= 0 if prehear is None else sum(len(desc) for desc in prehear.iter("PluginDesc"))
    return counts, plugins


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_every_corpus_set_parses_with_independently_counted_tracks_and_plugins(path: Path) -> None:
    summary = parse_als(path, artist_name="Corpus")
    counts, plugin_instances = _element_tree_counts(path)
    overview = summary.overview
    assert (overview.midi_tracks, overview.audio_tracks, overview.group_tracks, overview.return_tracks) == (
        counts["midi"],
        counts["audio"],
        counts["group"],
        counts["return"],
    )
    assert overview.total_tracks == sum(counts.values())
    assert len(summary.plugins) == plugin_instances
    assert sum(summary.plugin_usage.values()) == plugin_instances
    assert overview.tempo > 0
    assert summary.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert summary.source.size_bytes == path.stat().st_size
    # Every name the seed's maps point at exists: plugins_by_track and sample_index refer to real tracks.
    track_names = {track.name for track in summary.tracks}
    assert set(summary.plugins_by_track) <= track_names
    assert all(set(entry.tracks) <= track_names for entry in summary.sample_index.values())
    assert len(summary.tracks) == overview.total_tracks + 1  # the master/main track
    assert len(summary.track_breakdown) == overview.midi_tracks + overview.audio_tracks


def test_plain_xml_sets_are_sniffed_not_trusted_by_extension(corpus_dir: Path) -> None:
    containers = {p.name: parse_als(p).source.container for p in sorted(corpus_dir.glob("*.als"))}
    plain = {name for name, container in containers.items() if container == "xml"}
    assert plain == {"danielbayley__Ableton-Live-tools__live-tools.als", "tioxy__alp__als2.als"}


def _our_track_name(summary: AlsSummary, gt_key: str, gt_file: dict[str, Any]) -> str:
    """Ground-truth keys are '<Tag>#<Id>:<stored name>' or the master element; map them to our names
    (Live 8 stores empty names, so those are matched by track id)."""
    if "#" not in gt_key:
        return {"MasterTrack": "Master", "MainTrack": "Main"}[gt_key]
    track_id = gt_key.split("#", 1)[1].split(":", 1)[0]
    (match,) = [t for t in summary.tracks if t.id == track_id and t.type != "Main"]
    return match.name


@pytest.fixture(scope="module")
def ground_truth(corpus_dir: Path) -> list[tuple[dict[str, Any], AlsSummary]]:
    return [(gt, parse_als(corpus_dir / gt["file"])) for gt in _ground_truth(corpus_dir)]


def test_ground_truth_tempo_time_signature_and_changes(ground_truth: list) -> None:
    assert len(ground_truth) == 7
    for gt, summary in ground_truth:
        assert summary.overview.tempo == pytest.approx(gt["tempo"]), gt["file"]
        assert summary.overview.time_signature == gt["time_signature"], gt["file"]
        assert [(c.beat, c.time_signature) for c in summary.time_signature_changes] == [
            tuple(change) for change in gt["time_signature_changes"]
        ], gt["file"]
        assert [(c.beat, c.bpm) for c in summary.tempo_changes] == [
            tuple(change) for change in gt["tempo_changes_beats_bpm"]
        ], gt["file"]
        assert summary.live_version.creator == gt["creator"]


def test_ground_truth_track_counts(ground_truth: list) -> None:
    for gt, summary in ground_truth:
        counts = gt["track_counts"]
        overview = summary.overview
        assert (
            overview.midi_tracks,
            overview.audio_tracks,
            overview.group_tracks,
            overview.return_tracks,
        ) == (
            counts["midi"],
            counts["audio"],
            counts["group"],
            counts["return"],
        ), gt["file"]
        assert sum(1 for t in summary.tracks if t.type == "Main") == counts["master"]


def test_ground_truth_plugin_instances_names_formats_and_counts(ground_truth: list) -> None:
    for gt, summary in ground_truth:
        ours = [f"{p.format}:{p.raw_name}" for p in summary.plugins]
        expected = [f"{_GT_FORMAT[p['format']]}:{p['name']}" for p in gt["plugins_in_document_order"]]
        assert ours == expected, gt["file"]
        assert len(summary.plugins) == gt["plugin_instances_total"]
        expected_usage: dict[str, int] = {}
        for key, count in gt["plugin_counts"].items():
            name = normalise_plugin_name(key.split(":", 1)[1])
            expected_usage[name] = expected_usage.get(name, 0) + count
        assert summary.plugin_usage == expected_usage, gt["file"]


def test_ground_truth_plugins_by_track(ground_truth: list) -> None:
    for gt, summary in ground_truth:
        expected = {
            _our_track_name(summary, key, gt): [normalise_plugin_name(p.split(":", 1)[1]) for p in plugins]
            for key, plugins in gt["plugins_by_track"].items()
        }
        assert summary.plugins_by_track == expected, gt["file"]
        for key, plugins in gt["plugins_by_track"].items():
            track = _our_track_name(summary, key, gt)
            raw = [f"{p.format}:{p.raw_name}" for p in summary.plugins if p.track == track]
            assert raw == plugins, (gt["file"], key)


def test_ground_truth_per_track_clips_and_automation(ground_truth: list) -> None:
    for gt, summary in ground_truth:
        ours = [t for t in summary.tracks if t.type != "Main"]
        seen: dict[str, int] = {}
        assert [t.id for t in ours] == [t["id"] for t in gt["tracks"]], gt["file"]
        for track, expected in zip(ours, gt["tracks"], strict=True):
            assert (
                track.session_clips,
                track.arrangement_clips,
                track.take_lane_clips,
                track.has_automation,
            ) == (
                expected["session_clips"],
                expected["arrangement_clips"],
                expected["take_lane_clips"],
                expected["has_automation"],
            ), (gt["file"], track.name)
            if expected["name"]:  # a repeated name gets a visible suffix: "pad", "pad (2)"
                seen[expected["name"]] = seen.get(expected["name"], 0) + 1
                number = seen[expected["name"]]
                assert track.name == (expected["name"] if number == 1 else f"{expected['name']} ({number})")

"""Plugin-name normalisation and the key estimator, on the cases the corpus and producers' sets show."""

from __future__ import annotations

import pytest

from dawa_pipeline.als.file_refs import decode_data_path
from dawa_pipeline.als.keys import estimate_key, resolve_key, scale_name
from dawa_pipeline.als.plugins import normalise_plugin_name, plugin_vendor


@pytest.mark.parametrize(
    ("raw", "name", "vendor"),
    [
        ("FabFilter Pro-Q 2 x64", "FabFilter Pro-Q 2", "FabFilter"),
        ("FabFilter Pro-C (SC).64", "FabFilter Pro-C", "FabFilter"),
        ("FF Pro-Q 2", "FabFilter Pro-Q 2", "FabFilter"),  # AU spelling
        ("Pro-L 2", "FabFilter Pro-L 2", "FabFilter"),  # VST3 spelling
        ("Density64", "Density", "Airwindows"),
        ("Serum_x64", "Serum", "Xfer Records"),
        ("mvMeter x64", "mvMeter", None),
        ("iZotope Alloy (Mono)", "iZotope Alloy", "iZotope"),
        ("OneKnob Phatter Stereo", "OneKnob Phatter", "Waves"),
        ("Kick 2", "Kick 2", "Sonic Academy"),  # a version number is part of the name
        ("TAL-Dub-3", "TAL-Dub-3", "TAL Software"),
    ],
)
def test_plugin_names_normalise_to_one_name_per_plugin(raw: str, name: str, vendor: str | None) -> None:
    assert normalise_plugin_name(raw) == name
    assert plugin_vendor(name) == vendor


def test_waves_shell_and_au_manufacturer_give_the_vendor() -> None:
    assert plugin_vendor("Smack Attack", waves_shell=True) == "Waves"
    assert plugin_vendor("Anything", au_manufacturer="Moog") == "Moog"


def _profile(pitch_classes: dict[int, float]) -> list[float]:
    return [pitch_classes.get(pc, 0.0) for pc in range(12)]


def test_krumhansl_estimate_finds_major_and_relative_minor_by_emphasis() -> None:
    g_major = _profile({7: 4, 9: 1, 11: 2, 0: 1, 2: 3, 4: 1, 6: 1})
    (root, mode), confidence = estimate_key(g_major, note_count=64)  # type: ignore[misc]
    assert (root, mode) == (7, "major") and confidence > 0.7
    e_minor = _profile({4: 4, 6: 1, 7: 2, 9: 1, 11: 3, 0: 1, 2: 1})
    assert estimate_key(e_minor, note_count=64)[0] == (4, "minor")  # type: ignore[index]
    assert estimate_key([0.0] * 12, note_count=0) is None


def test_few_notes_mean_low_confidence() -> None:
    profile = _profile({0: 1, 4: 1, 7: 1})
    assert estimate_key(profile, note_count=3)[1] < estimate_key(profile, note_count=64)[1]  # type: ignore[index]


def test_scale_names_from_live_11_words_and_live_12_indices() -> None:
    assert [scale_name(v) for v in ("Minor", "0", "1", "2", "13", "999", "")] == [
        "minor",
        "major",
        "minor",
        "dorian",
        "harmonic minor",
        None,
        None,
    ]


def test_a_default_scale_setting_alone_is_not_a_key() -> None:
    assert resolve_key((0, "major"), None, [], [0.0] * 12, 0).source == "none"
    assert resolve_key((9, "minor"), None, [], [0.0] * 12, 0).name == "A minor"


def test_pre_live_11_data_paths_decode() -> None:
    windows = "C:\\Samples\\Kick.wav".encode("utf-16-le").hex()
    assert decode_data_path(windows) == "C:\\Samples\\Kick.wav"
    assert decode_data_path("zz") is None and decode_data_path(None) is None

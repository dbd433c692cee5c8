"""The parser's evidence for the fingerprint's instruments and drums: clip names, Drum Rack pad names, the
note range of pitched MIDI parts, and sidechain sources (DAWA extras on `tracks`, never seed keys)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dawa_pipeline.als import parse_als
from dawa_pipeline.als.keys import note_name
from dawa_pipeline.demo.live_set.build import build_set
from dawa_pipeline.demo.live_set.spec import Clip, Device, DrumPad, DrumRack, Note, SetSpec, Track

VERSIONS = ("10", "11", "12", "12.1", "12.3")


@pytest.mark.parametrize("live", VERSIONS)
def test_clip_names_pad_names_and_note_range(live: str) -> None:
    bass_notes = [Note(pitch, i * 0.5) for i, pitch in enumerate([31, 36, 36, 36, 43])]
    spec = SetSpec(
        live=live,
        tracks=[
            Track.midi(
                "Bass",
                devices=[Device("Operator")],
                clips=[Clip("Bassline A", 0, 4, notes=bass_notes), Clip("Bassline A", 8, 4), Clip("", 16, 4)],
                session_clips=[Clip("Bassline B", notes=bass_notes)],
            ),
            Track.midi(
                "Beat",
                devices=[
                    DrumRack(pads=[DrumPad("Kick 909", 36), DrumPad("Clap", 39), DrumPad("Kick 909", 40)])
                ],
                clips=[Clip("beat", 0, 4, notes=[Note(36, 0), Note(39, 1)])],
            ),
        ],
    )
    tracks = {t.name: t for t in parse_als(build_set(spec, "gzip"), file_name="Song.als").tracks}  # type: ignore[arg-type]

    bass, beat = tracks["Bass"], tracks["Beat"]
    assert bass.clip_names == ["Bassline B", "Bassline A"]  # session first, distinct, unnamed clips left out
    assert bass.note_range is not None
    assert (bass.note_range.low, bass.note_range.median, bass.note_range.high) == (31, 36, 43)
    assert bass.drum_pads == [] and bass.sidechain_from == []
    assert beat.drum_pads == ["Kick 909", "Clap"]
    assert beat.note_range is None  # pads are not pitches


def test_note_names_follow_live() -> None:
    assert [note_name(p) for p in (0, 24, 47, 60)] == ["C-2", "C0", "B1", "C3"]


@pytest.mark.corpus
def test_sidechain_sources_and_pads_in_real_sets() -> None:
    folder = os.environ.get("DAWA_ALS_CORPUS")
    if not folder:
        pytest.skip("DAWA_ALS_CORPUS is not set")
    corpus = Path(folder)
    tracks = {t.name: t for t in parse_als(corpus / "my5t3ry__als-parser__20180113.als").tracks}
    # Compressors keyed from the kick track, found by the track id in the routing target.
    assert tracks["2-Kick 2"].sidechain_from == ["5-Kick 2"]
    assert tracks["9-Albino 3"].sidechain_from == ["1-Group"]
    pads = {t.name: t.drum_pads for t in parse_als(corpus / "ununu-p2p__als-parser__drums-midi.als").tracks}
    assert pads["1-Crushed Ice Kit"][:3] == ["Kick Crushed Ice", "Rim Drum Machine", "Snare Crushed Ice"]
    live8 = {
        t.name: t for t in parse_als(corpus / "offlinemark__dawtool__live8-patch-markers-auto.als").tracks
    }
    assert live8["7 MIDI"].drum_pads[:3] == ["hh", "snr", "kk"]

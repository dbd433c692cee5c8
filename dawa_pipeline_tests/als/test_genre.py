"""Genre indicators: each rule fires on its evidence, stays silent without it, and says what it saw."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from summary_factory import overview, plugin, sample, track

from dawa_pipeline.als.genre import GENRE_LABELS, TRAIT_LABELS, infer_genres
from dawa_pipeline.als.models import Groove, Key, PluginInstance, SampleRef, TrackDetail

NO_GROOVE = Groove(global_amount=100.0, grooves=[])
NO_KEY = Key(root=None, mode=None, name=None, source="none", confidence=0.0)
A_MINOR = Key(root="A", mode="minor", name="A minor", source="scale_information", confidence=1.0)


def infer(
    tracks: list[TrackDetail],
    *,
    tempo: float = 120.0,
    time_signature: str = "4/4",
    plugins: list[PluginInstance] | None = None,
    samples: list[SampleRef] | None = None,
    groove: Groove = NO_GROOVE,
    key: Key = NO_KEY,
) -> tuple[list[str], dict[str, list[str]]]:
    return infer_genres(
        overview(tracks, tempo=tempo, time_signature=time_signature),
        tracks,
        plugins or [],
        samples or [],
        groove,
        key,
    )


def labels_of(*args: object, **kwargs: object) -> list[str]:
    return infer(*args, **kwargs)[0]  # type: ignore[arg-type]


DRUMS = track("Drums", devices=("DrumGroupDevice", "OriginalSimpler", "OriginalSimpler"))


# --- empty and plain sets -------------------------------------------------------------------------


def test_empty_set_has_no_labels() -> None:
    assert infer([]) == ([], {})
    assert infer([track("Master", "Main"), track("A-Reverb", "Return")]) == ([], {})


def test_a_plain_audio_track_at_a_dance_tempo_is_not_a_genre() -> None:
    assert infer([track("1-Audio", "Audio")], tempo=124) == ([], {})


# --- traits ---------------------------------------------------------------------------------------


def test_808_from_track_sample_or_plugin_names() -> None:
    labels, evidence = infer(
        [track("808"), track("Keys")],
        samples=[sample("808_Boom_C.wav", "Loops")],
        plugins=[plugin("808 Bass Module2", "Keys", "instrument")],
    )
    assert "808" in labels
    assert evidence["808"] == ["track '808'", "sample '808_Boom_C'", "plugin '808 Bass Module2'"]
    assert "808" not in labels_of(
        [track("Kick 909"), track("Bass 8080s")], samples=[sample("p33808.wav", "Loops")]
    )


def test_drum_rack_counts_racks() -> None:
    labels, evidence = infer([DRUMS, track("Perc", devices=("DrumGroupDevice",)), track("Lead")])
    assert "drum-rack" in labels
    assert evidence["drum-rack"] == ["2 DrumGroupDevice racks on 'Drums', 'Perc'"]
    assert "drum-rack" not in labels_of([track("Drums", devices=("OriginalSimpler",))])


def test_synth_heavy_needs_synths_on_most_instrument_tracks() -> None:
    labels, evidence = infer(
        [track("Lead"), track("Pad"), track("Bass", devices=("Operator",))],
        plugins=[
            plugin("Serum", "Lead", "instrument"),
            plugin("Serum", "Pad", "instrument"),
            plugin("Pro-Q 3", "Pad"),
        ],
    )
    assert "synth-heavy" in labels
    assert evidence["synth-heavy"] == ["Operator on 1 track ('Bass')", "Serum on 2 tracks ('Lead', 'Pad')"]
    one_synth_among_many = [track("Lead", devices=("Operator",))] + [track(f"Keys {i}") for i in range(5)]
    assert "synth-heavy" not in labels_of(one_synth_among_many)
    assert "synth-heavy" not in labels_of(
        [track("Lead"), track("Pad")], plugins=[plugin("Pro-Q 3", "Lead", "instrument")]
    )
    # Operator playing a drum pad inside a Drum Rack is a drum synth.
    drum_synth = track("Kit", devices=("DrumGroupDevice", "Operator"))
    assert "synth-heavy" not in labels_of(
        [drum_synth, track("Lead")], plugins=[plugin("Serum", "Lead", "instrument")]
    )


def test_sampler_based_needs_samplers_outside_drum_racks_or_loops() -> None:
    labels, evidence = infer([DRUMS, track("Chops", devices=("OriginalSimpler",))])
    assert "sampler-based" in labels
    assert evidence["sampler-based"] == ["Simpler on 1 track ('Chops') without a drum rack"]
    loops = labels_of(
        [track("Melody", "Audio")],
        samples=[sample("SOUTHSIDExPVLACE_150_melodic_loop_amico_Dmin.wav", "Loops")],
    )
    assert "sampler-based" in loops
    assert "sampler-based" not in labels_of([DRUMS])


def test_swing_needs_a_swing_groove_with_groove_amount_on() -> None:
    swung = Groove(global_amount=100.0, grooves=["16 Quantize", "MPC 16 Swing-62"])
    labels, evidence = infer([DRUMS], groove=swung)
    assert "swing" in labels
    assert evidence["swing"] == ["GlobalGrooveAmount 100 with groove 'MPC 16 Swing-62'"]
    assert "swing" not in labels_of([DRUMS], groove=Groove(global_amount=0.0, grooves=["MPC 16 Swing-62"]))
    assert "swing" not in labels_of([DRUMS], groove=Groove(global_amount=100.0, grooves=["16 Quantize"]))


def test_meters() -> None:
    assert "triple-meter" in labels_of([track("Piano")], time_signature="6/8")
    assert "triple-meter" in labels_of([track("Piano")], time_signature="3/4")
    assert "odd-meter" in labels_of([track("Piano")], time_signature="7/8")
    assert infer([track("Piano")], time_signature="4/4") == ([], {})


def test_live_instruments_from_audio_tracks_and_amps() -> None:
    labels, evidence = infer([track("Guitar DI", "Audio"), track("Sax Solo", "Audio"), track("Synth")])
    assert "live-instruments" in labels
    assert evidence["live-instruments"] == [
        "recorded-instrument names on audio tracks: 'Guitar DI', 'Sax Solo'",
        "2 of 3 tracks are audio",
    ]
    assert "live-instruments" in labels_of([track("Bass", "Audio", devices=("Amp", "Cabinet"))])
    # A MIDI track named Guitar plays a virtual instrument; an amp on a synth is sound design.
    assert "live-instruments" not in labels_of(
        [track("Guitar"), track("Saw Bass", devices=("Amp", "Cabinet"))]
    )
    # Vocal samples are not played instruments.
    assert "live-instruments" not in labels_of([track("Vox Chop", "Audio", samples=("vocal_phrase_12.wav",))])


# --- tempo bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tempo", "extra", "genre"),
    [
        (124.0, [], "house"),
        (132.0, [], "techno"),
        (174.0, [], "drum-and-bass"),
        (90.0, [], "hip-hop"),
        (140.0, [track("808 Sub")], "trap"),
        (140.0, [track("Halftime Snare")], "dubstep"),
    ],
)
def test_tempo_band_with_drums_names_one_genre(tempo: float, extra: list[TrackDetail], genre: str) -> None:
    labels, evidence = infer([DRUMS, *extra], tempo=tempo)
    assert [label for label in labels if label in GENRE_LABELS] == [genre]
    assert evidence[genre][0].startswith(f"tempo {tempo:.0f} BPM in the {genre} band")
    assert "Drum Rack on 1 track ('Drums')" in evidence[genre]


def test_tempo_alone_or_outside_4_4_names_no_genre() -> None:
    for tempo in (90.0, 124.0, 140.0, 174.0):
        assert not set(labels_of([track("Pad"), track("Lead")], tempo=tempo)) & set(GENRE_LABELS)
    assert "house" not in labels_of([DRUMS], tempo=124, time_signature="3/4")


def test_drum_words_count_as_drums() -> None:
    labels, evidence = infer([track("Kick", "Audio"), track("Hats", "Audio")], tempo=125)
    assert "house" in labels
    assert "drum names: 'Kick', 'Hats'" in evidence["house"]
    # One stray hat sample is not a drum part.
    assert "drum-and-bass" not in labels_of([track("1-hat_small", "Audio")], tempo=172)


def test_lives_default_tempo_is_no_evidence() -> None:
    assert not set(labels_of([DRUMS], tempo=120.0)) & set(GENRE_LABELS)
    assert "house" in labels_of([DRUMS], tempo=120.5)
    _, evidence = infer([DRUMS, track("House Chords")], tempo=120.0)
    assert evidence["house"] == ["track 'House Chords' names house"]


def test_halftime_from_sample_loops_at_double_the_set_tempo() -> None:
    labels, evidence = infer(
        [DRUMS, track("808")],
        tempo=75,
        samples=[sample("SOUTHSIDExPVLACE_150_melodic_loop_amico_Dmin.wav", "Loops")],
    )
    assert "trap" in labels and "hip-hop" not in labels
    assert evidence["trap"][0] == (
        "double-time 150 BPM (sample 'SOUTHSIDExPVLACE_150_melodic_loop_amico_Dmin' at 150 BPM)"
        " in the trap band 130-170 BPM"
    )


def test_halftime_words_add_a_half_tempo_reading() -> None:
    labels, evidence = infer([DRUMS, track("Halftime Hats")], tempo=170)
    # 170 is drum-and-bass first; the halftime reading 85 does not override the first band that matches.
    assert "drum-and-bass" in labels
    labels, evidence = infer([DRUMS, track("Half-Time Groove")], tempo=190)
    assert "hip-hop" in labels
    assert evidence["hip-hop"][0].startswith("halftime 95 BPM (track 'Half-Time Groove' says halftime)")


# --- names ----------------------------------------------------------------------------------------


def test_names_name_genres() -> None:
    labels, evidence = infer(
        [track("Drill Perc"), track("DnB Bass"), track("lofi keys"), track("Deep House Chords")],
        tempo=142,
        key=A_MINOR,
    )
    # Names beat tempo: 142 BPM with drums ('Perc') would read as techno, but the names say otherwise.
    assert {"drill", "drum-and-bass", "lo-fi", "house"} == set(labels) & set(GENRE_LABELS)
    assert evidence["drill"] == [
        "track 'Drill Perc' names drill",
        "tempo 142 BPM in the drill band 138-146 BPM",
        "key A minor",
    ]
    assert evidence["lo-fi"] == ["track 'lofi keys' names lo-fi"]


def test_one_sample_names_a_genre_only_with_the_tempo_to_match() -> None:
    trap_kick = [sample("Kick Drum 006 Trap.wav", "Loops")]
    assert "trap" not in labels_of([track("Beat")], tempo=95, samples=trap_kick)
    assert "trap" in labels_of([track("Beat")], tempo=140, samples=trap_kick)
    two = [sample("Trap Kick 1.wav", "Loops"), sample("Trap Snare 2.wav", "Loops")]
    assert "trap" in labels_of([track("Beat")], tempo=95, samples=two)
    # Sample packs call room sound "ambient": only a track name says that genre.
    room = [
        sample("Snare-AmbientLoudPunch-Hit.wav", "Loops"),
        sample("Hihat-AmbientLoudPunch-Closed.wav", "Loops"),
    ]
    assert "ambient" not in labels_of([DRUMS], samples=room)
    assert "ambient" in labels_of([DRUMS, track("Ambient Intro")])


def test_genre_words_must_be_whole_words() -> None:
    labels = labels_of([track("Trapeze"), track("Rapture Pro"), track("Housekeeping"), track("Technolog")])
    assert not set(labels) & set(GENRE_LABELS)


def test_ambient_needs_textures_and_no_drums() -> None:
    labels, evidence = infer([track("Warm Pad"), track("Drone Low"), track("Texture A", "Audio")], tempo=70)
    assert "ambient" in labels
    assert evidence["ambient"][0] == "no drums in the set"
    assert "ambient" not in labels_of([DRUMS, track("Warm Pad"), track("Drone Low")])


# --- output contract ------------------------------------------------------------------------------


def test_output_is_sorted_deterministic_and_in_the_vocabulary() -> None:
    tracks = [DRUMS, track("808"), track("Chops", devices=("OriginalSimpler",)), track("Guitar", "Audio")]
    kwargs = {
        "tempo": 150.0,
        "samples": [sample("808_Boom_C.wav", "Loops"), sample("PercLoop_Wavey_01_80.wav", "Loops")],
        "plugins": [plugin("Serum", "Chops", "instrument"), plugin("Diva", "808", "instrument")],
        "groove": Groove(global_amount=40.0, grooves=["Swing 16ths 66"]),
    }
    first = infer(tracks, **kwargs)  # type: ignore[arg-type]
    assert first == infer(tracks, **kwargs)  # type: ignore[arg-type]
    labels, evidence = first
    assert labels == sorted(labels) == list(evidence)
    assert set(labels) <= set(GENRE_LABELS) | set(TRAIT_LABELS)
    assert all(evidence[label] for label in labels)
    assert {"808", "drum-rack", "sampler-based", "swing", "synth-heavy", "trap", "live-instruments"} == set(
        labels
    )


def test_long_evidence_is_shortened() -> None:
    many = [track(f"Kick {i}", "Audio") for i in range(40)]
    _, evidence = infer(many, tempo=124)
    assert "drum names: 'Kick 0', 'Kick 1', 'Kick 2' and 37 more" in evidence["house"]
    _, evidence = infer(
        [DRUMS], samples=[sample(f"{pad}-808.aif", "Loops") for pad in ("Kick", "Snare", "Clap", "Rim")]
    )
    assert evidence["808"] == [
        "sample 'Kick-808'",
        "sample 'Snare-808'",
        "sample 'Clap-808'",
        "and 1 more name",
    ]


CORPUS = os.environ.get("DAWA_ALS_CORPUS")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS, reason="DAWA_ALS_CORPUS is not set")
def test_corpus_sets_get_backed_labels() -> None:
    parse_als = getattr(pytest.importorskip("dawa_pipeline.als"), "parse_als", None)
    if parse_als is None:
        pytest.skip("dawa_pipeline.als.parse_als is not available yet")
    vocabulary = set(GENRE_LABELS) | set(TRAIT_LABELS)
    results = {}
    for path in sorted(Path(CORPUS or "").glob("*.als")):
        try:
            summary = parse_als(path)
        except Exception:  # unreadable sets are the parser's tests' business
            continue
        assert set(summary.genre_indicators) <= vocabulary, path.name
        assert list(summary.genre_evidence) == summary.genre_indicators, path.name
        results[path.name] = summary.genre_indicators
    # The TR-808 drum rack set of alsd shows both a rack and 808s.
    assert {"808", "drum-rack"} <= set(results["andrewcb__alsd__test_devices_1.als"])
    # dawtool's one-audio-track sets hold nothing to infer from.
    assert results["offlinemark__dawtool__als0.als"] == []

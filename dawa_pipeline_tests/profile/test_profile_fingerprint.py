"""The DAW fingerprint of hand-built artists, field by field, with the counts behind each statement."""

from __future__ import annotations

import pytest
from summary_factory import plugin, summary, track

from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.profile import compute_fingerprint
from dawa_pipeline.profile.fingerprint import describe_missing_evidence


def _four_set_artist() -> list[AlsSummary]:
    """A drum & bass producer: three sets around 172-174 (one written at half time, 87), a 140 sketch."""
    night_drive = summary(
        "Night Drive",
        tempo=174,
        key_name="A minor",
        tracks=[
            track(
                "Kick",
                devices=["DrumGroupDevice", "OriginalSimpler"],
                samples=["909 Kick Hard.wav", "BD Layer.wav"],
            ),
            track("Clap", samples=["Clap 909.wav"]),
            track("Hats", samples=["HH Closed.wav"]),
            track("Reese Bass", devices=["InstrumentVector", "Saturator"], automation=True),
            track("Sub", devices=["Operator"]),
            track("Pad", devices=["Drift"]),
            track("Lead"),
            track("Drums", "Group"),
            track("Reverb", "Return"),
            track("Main", "Main", automation=True),
        ],
        plugins=[
            plugin("Serum", "Lead", "instrument"),
            plugin("FabFilter Pro-Q 3", "Reese Bass"),
            plugin("Kickstart 2", "Reese Bass"),
        ],
        locators=["Intro", "Drop 1", "Breakdown", "Drop 2", "Outro"],
        bars=128,
        tempo_automated=True,
    )
    low_tide = summary(
        "Low Tide",
        tempo=87,
        key_name="D dorian",
        key_confidence=0.9,
        tracks=[
            track("Kick", samples=["kick_909_short.wav"]),
            track("Snare", samples=["Snare Rim.wav"]),
            track("808", devices=["OriginalSimpler"], samples=["808 Long.wav"], automation=True),
            track("Perc Loop", "Audio", samples=["PercLoop_Wavey_01.wav"]),
            track("Lead"),
            track("Delay", "Return"),
        ],
        plugins=[plugin("FabFilter Pro-Q 3", "808"), plugin("Serum", "Lead", "instrument")],
        locators=["intro", "drop"],
        bars=96,
    )
    glass = summary(
        "Glass",
        tempo=172,
        key_name="A minor",
        key_confidence=0.8,
        key_source="midi_estimate",
        tracks=[
            track("Kick", samples=["Kick 909 Punch.wav"]),
            track("Clap", samples=["clap_2.wav"]),
            track("Snare", samples=["Snare 3.wav"]),
            track("Bass", devices=["Operator", "Compressor2"]),
            track("Lead"),
            track("Music", "Group"),
            track("Synths", "Group", level=1, group="Music"),
        ],
        plugins=[
            plugin("Serum", "Lead", "instrument"),
            plugin("FabFilter Pro-Q 3", "Bass"),
            plugin("Valhalla VintageVerb", "Lead"),
        ],
        locators=["Intro", "Drop", "Outro"],
        bars=112,
        grooves=["Swing 16ths 58"],
        tempo_automated=True,
    )
    sketch = summary(
        "Sketch 140",
        tempo=140,
        tracks=[
            track("Kick", samples=["Kick 1.wav"]),
            track("Bass", "Audio", samples=["bass_resample.wav"]),
            track("Hats", samples=["hat_open.wav"]),
        ],
        plugins=[plugin("Valhalla VintageVerb", "Hats")],
        bars=0,
        time_signature="3/4",
    )
    return [night_drive, low_tide, glass, sketch]


def test_every_field_of_a_four_set_artist() -> None:
    fingerprint = compute_fingerprint(_four_set_artist())

    assert fingerprint.set_count == 4
    assert fingerprint.aggregates.model_dump() == {
        # 87 is read as 174 (half time); the one 140 sketch is near no other set, so it is no centre.
        "core_bpm_range": {"min": 87.0, "max": 174.0, "cluster_centers": [173.3]},
        # Every key the sets hold, with its count: D dorian is in one set only, and says so.
        "keys_and_modes": {
            "common_keys": ["A minor in 2 of 4 sets", "D dorian in 1 of 4 sets"],
            "modal_tendencies": [
                "minor-leaning: 3 of 3 sets with a known key",
                "dorian colour in 1 of 4 sets",
            ],
        },
        "drum_palette": {
            "kick_character": [
                "kicks (named tracks, clips, pads or samples) in all 4 sets",
                "909-style kicks in 3 of 4 sets",
                "short, punchy kicks in 2 of 4 sets",
                "808 kick/bass in 1 of 4 sets",
                "distorted or saturated kicks in 1 of 4 sets",
                "layered kicks (two or more kick samples) in 1 of 4 sets",
            ],
            "snare_clap_character": [
                "claps in 2 of 4 sets",
                "snares in 2 of 4 sets",
                "rimshots in 1 of 4 sets",
                "snare and clap together in 1 of 4 sets",
            ],
            "percussion_notes": [
                "hi-hats in 2 of 4 sets",
                "Drum Rack in 1 of 4 sets",
                "drum loops or breaks in 1 of 4 sets",
            ],
        },
        "bass_workflow": [
            "dedicated bass tracks in all 4 sets",
            "808 bass tracks in 1 of 4 sets",
            "a separate sub track in 1 of 4 sets",
            "bass as audio (recorded or resampled) in 1 of 4 sets",
            "ducking with Kickstart 2 in 1 of 4 sets",
            "bass from Operator in 2 of 4 sets",
            "bass from Simpler in 1 of 4 sets",
            "bass from Wavetable in 1 of 4 sets",
            "bass through FabFilter Pro-Q 3 in 3 of 4 sets",
            "bass through Compressor in 1 of 4 sets",
            "bass through Kickstart 2 in 1 of 4 sets",
            "bass through Saturator in 1 of 4 sets",
        ],
        "core_synth_palette": [
            "Serum in 3 of 4 sets",
            "Operator in 2 of 4 sets",
            "Drift in 1 of 4 sets",
            "Wavetable in 1 of 4 sets",
        ],
        "frequent_plugins_tools": [
            "FabFilter Pro-Q 3 in 3 of 4 sets",
            "Serum in 3 of 4 sets",
            "Valhalla VintageVerb in 2 of 4 sets",
            "Kickstart 2 in 1 of 4 sets",
        ],
        "arrangement_habits": [
            "typical length 2.9 min / 112 bars (median of 3 sets, 2.6-4.4 min)",
            "typical set: 7 tracks (5 MIDI, 1 audio, 1 group, 1 return); 3-9 tracks across sets",
            "sections marked with locators in 3 of 4 sets, most often intro (3), drop (3), outro (2), "
            "breakdown (1)",
            "tracks organised in groups in 2 of 4 sets",
            "automation in 2 of 4 sets (median 1 automated track)",
            "return tracks in 2 of 4 sets (median 1 return)",
            "session-view only (no arrangement) in 1 of 4 sets",
            "nested groups in 1 of 4 sets",
        ],
        "tempo_tendencies": [
            "around 173.3 BPM in 3 of 4 sets (172-174 BPM as counted, half/double time folded)",
            "away from the centres in 1 of 4 sets: 140 BPM",
            "tempos 87-174 BPM as written, middle half 164-174 BPM",
            "half- or double-time feel in 1 of 4 sets (written at 87 BPM, counted at 174)",
            "tempo automation or tempo changes in 2 of 4 sets",
            "groove pool templates in 1 of 4 sets",
            "4/4 in 3 of 4 sets",
            "3/4 in 1 of 4 sets",
        ],
    }
    assert fingerprint.missing_evidence == {}


def test_evidence_names_the_sets_behind_each_statement() -> None:
    fingerprint = compute_fingerprint(_four_set_artist())

    for field, statements in [
        ("frequent_plugins_tools", fingerprint.aggregates.frequent_plugins_tools),
        ("drum_palette.kick_character", fingerprint.aggregates.drum_palette.kick_character),
        ("arrangement_habits", fingerprint.aggregates.arrangement_habits),
        ("keys_and_modes.common_keys", fingerprint.aggregates.keys_and_modes.common_keys),
    ]:
        assert [e.statement for e in fingerprint.evidence[field]] == statements
    kicks = fingerprint.evidence["drum_palette.kick_character"][1]
    assert (kicks.subject, kicks.sets, kicks.count, kicks.of) == (
        "909-style kicks",
        ["Glass Project/Glass", "Low Tide Project/Low Tide", "Night Drive Project/Night Drive"],
        3,
        4,
    )
    centres = fingerprint.evidence["core_bpm_range.cluster_centers"]
    assert [(e.statement, e.sets) for e in centres] == [
        (
            "173.3 BPM",
            ["Glass Project/Glass", "Low Tide Project/Low Tide", "Night Drive Project/Night Drive"],
        ),
    ]
    half_time = [p for p in fingerprint.tempo_points if p.bpm != p.folded_bpm]
    assert [(p.set_name, p.bpm, p.folded_bpm) for p in half_time] == [
        ("Low Tide Project/Low Tide", 87.0, 174.0)
    ]


def test_input_order_does_not_change_the_fingerprint() -> None:
    sets = _four_set_artist()
    forward, backward = compute_fingerprint(sets), compute_fingerprint(sets[::-1])
    assert forward.aggregates == backward.aggregates
    assert forward.evidence == backward.evidence


def test_with_two_sets_each_observation_is_counted() -> None:
    sets = _four_set_artist()[:2]
    aggregates = compute_fingerprint(sets).aggregates

    assert aggregates.keys_and_modes.common_keys == ["A minor in 1 of 2 sets", "D dorian in 1 of 2 sets"]
    assert aggregates.keys_and_modes.modal_tendencies == [
        "minor-leaning: 2 of 2 sets",
        "dorian colour in 1 of 2 sets",
    ]
    assert "808 kick/bass in 1 of 2 sets" in aggregates.drum_palette.kick_character
    assert "distorted or saturated kicks in 1 of 2 sets" in aggregates.drum_palette.kick_character
    assert "layered kicks (two or more kick samples) in 1 of 2 sets" in aggregates.drum_palette.kick_character
    assert aggregates.drum_palette.snare_clap_character == [
        "claps in 1 of 2 sets",
        "snares in 1 of 2 sets",
        "rimshots in 1 of 2 sets",
    ]
    assert aggregates.drum_palette.percussion_notes == [
        "Drum Rack in 1 of 2 sets",
        "hi-hats in 1 of 2 sets",
        "drum loops or breaks in 1 of 2 sets",
    ]
    assert aggregates.bass_workflow == [
        "dedicated bass tracks in all 2 sets",
        "808 bass tracks in 1 of 2 sets",
        "a separate sub track in 1 of 2 sets",
        "ducking with Kickstart 2 in 1 of 2 sets",
        "bass from Operator in 1 of 2 sets",
        "bass from Simpler in 1 of 2 sets",
        "bass from Wavetable in 1 of 2 sets",
        "bass through FabFilter Pro-Q 3 in all 2 sets",
        "bass through Kickstart 2 in 1 of 2 sets",
        "bass through Saturator in 1 of 2 sets",
    ]


def test_one_set() -> None:
    aggregates = compute_fingerprint(_four_set_artist()[:1]).aggregates
    assert aggregates.core_bpm_range.model_dump() == {"min": 174.0, "max": 174.0, "cluster_centers": [174.0]}
    assert aggregates.frequent_plugins_tools == [
        "FabFilter Pro-Q 3 in the one set",
        "Kickstart 2 in the one set",
        "Serum in the one set",
    ]
    assert aggregates.tempo_tendencies == [
        "around 174 BPM in the one set",
        "tempo automation or tempo changes in the one set",
        "4/4 in the one set",
    ]
    assert aggregates.arrangement_habits[0] == "typical length 2.9 min / 128 bars (median of 1 set)"


def test_no_sets_is_the_empty_fingerprint() -> None:
    fingerprint = compute_fingerprint([])
    assert fingerprint.is_empty and fingerprint.set_count == 0
    assert fingerprint.aggregates.core_bpm_range.model_dump() == {
        "min": 0.0,
        "max": 0.0,
        "cluster_centers": [],
    }
    dumped = fingerprint.aggregates.model_dump(exclude={"core_bpm_range"})
    assert all(
        value == []
        for group in dumped.values()
        for value in (group.values() if isinstance(group, dict) else [group])
    )
    assert all(evidence == [] for evidence in fingerprint.evidence.values())
    assert fingerprint.missing_evidence == {field: "no sets" for field in fingerprint.evidence}


def test_keys_are_weighted_by_confidence_and_unknown_keys_ignored() -> None:
    sets = [
        summary("a", key_name="A minor", key_confidence=0.9),
        summary("b", key_name="A minor", key_confidence=0.9),
        *(
            summary(f"c{i}", key_name="C major", key_confidence=0.3, key_source="midi_estimate")
            for i in range(3)
        ),
        summary("d", key_name="E minor", key_source="none"),
    ]
    keys = compute_fingerprint(sets).aggregates.keys_and_modes
    # Two confident A minor sets (1.8) outweigh three low-confidence C major estimates (0.9);
    # a "none" key counts nowhere (E minor is absent).
    assert keys.common_keys == ["A minor in 2 of 6 sets", "C major in 3 of 6 sets"]
    # Weight alone does not make a lean: three of five keyed sets are major.
    assert keys.modal_tendencies == ["mixed major and minor: 2 minor, 3 major of 5 sets with a known key"]


def test_keys_that_do_not_repeat_are_still_listed_with_their_counts() -> None:
    sets = [
        summary("a", key_name="D dorian"),
        summary("b", key_name="E dorian"),
        summary("c", key_name="G mixolydian"),
        summary("d", key_name="A minor"),
    ]
    keys = compute_fingerprint(sets).aggregates.keys_and_modes
    assert keys.modal_tendencies == [
        "minor-leaning: 3 of 4 sets",
        "dorian colour in 2 of 4 sets",
        "mixolydian colour in 1 of 4 sets",
    ]
    # Four keys, one set each: the first three by name, the fourth too (one left needs no summing up).
    assert keys.common_keys == [
        "A minor in 1 of 4 sets",
        "D dorian in 1 of 4 sets",
        "E dorian in 1 of 4 sets",
        "G mixolydian in 1 of 4 sets",
    ]


@pytest.mark.parametrize(
    ("plugins_per_set", "expected"),
    [
        (
            [["Zeta", "Alpha"], ["Alpha", "Zeta"], ["Mid"], ["Mid"]],
            ["Alpha in 2 of 4 sets", "Mid in 2 of 4 sets", "Zeta in 2 of 4 sets"],
        ),
        ([["OTT", "OTT", "OTT"], ["OTT"], [], []], ["OTT in 2 of 4 sets"]),
        pytest.param(
            [["Serum"], ["Pro-Q 3", "Valhalla"], ["Decapitator"], [], []],
            [
                "Decapitator in 1 of 5 sets",
                "Pro-Q 3 in 1 of 5 sets",
                "Serum in 1 of 5 sets",
                "Valhalla in 1 of 5 sets",
            ],
            id="nothing repeats: each said once, with its count",
        ),
        pytest.param(
            [["Little Plate"], ["LittlePlate"], ["Little Plate"]],
            ["Little Plate in all 3 sets"],
            id="spellings of one plug-in are one plug-in",
        ),
    ],
)
def test_plugins_rank_by_share_of_sets_then_name(
    plugins_per_set: list[list[str]], expected: list[str]
) -> None:
    sets = [
        summary(f"s{i}", plugins=[plugin(name, "Track") for name in names])
        for i, names in enumerate(plugins_per_set)
    ]
    assert compute_fingerprint(sets).aggregates.frequent_plugins_tools == expected


def test_plugins_beyond_the_cap_are_summed_up_in_one_statement() -> None:
    names = [f"Plugin {letter}" for letter in "ABCDEFGHIJKL"]
    sets = [
        summary(f"s{i}", plugins=[plugin(name, "Track") for name in names[: 12 - 2 * i]]) for i in range(3)
    ]
    listed = compute_fingerprint(sets).aggregates.frequent_plugins_tools
    assert len(listed) == 10
    # A-H in all three sets, I and J in two, K and L in one: nine named, three summed up.
    assert listed[0] == "Plugin A in all 3 sets" and listed[-2] == "Plugin I in 2 of 3 sets"
    assert listed[-1] == "+3 more plug-ins, each in 1-2 of 3 sets"


def test_sets_without_plugins_leave_the_field_empty_and_say_why() -> None:
    sets = [summary(f"s{i}", tracks=[track("Lead", devices=["Operator"])]) for i in range(3)]
    fingerprint = compute_fingerprint(sets)
    assert fingerprint.aggregates.frequent_plugins_tools == []
    assert fingerprint.aggregates.core_synth_palette == ["Operator in all 3 sets"]
    assert (
        fingerprint.missing_evidence["frequent_plugins_tools"]
        == "no plug-in in any set (native devices only)"
    )
    assert "core_synth_palette" not in fingerprint.missing_evidence
    assert "| frequent_plugins_tools | no plug-in in any set" in describe_missing_evidence(fingerprint)


def test_drums_and_bass_from_pads_clips_note_range_sidechain_and_groups() -> None:
    """Real sets name their drums on Drum Rack pads and clips, not tracks ("1-Drum Rack", "2-MIDI"); their
    bass shows in the notes' register and the sidechain from the kick."""
    beat = summary(
        "Beat",
        tracks=[
            track("Drums", "Group"),
            track("1-Drum Rack", devices=["DrumGroupDevice"], pads=["Kick 808", "Snare 808", "Clap 808"]),
            track(
                "2-MIDI",
                devices=["Operator", "Compressor2"],
                notes=(31, 36, 43),
                sidechain_from=["1-Drum Rack"],
            ),
            track("3-MIDI", devices=["Drift"], notes=(60, 67, 72), clips=["hat loop"], group="Drums"),
        ],
        plugins=[plugin("Kick 2", "4-Kick", "instrument")],
    )
    plain = summary("Plain", tracks=[track("Keys", devices=["Operator"], notes=(60, 64, 72))])
    aggregates = compute_fingerprint([beat, plain]).aggregates

    assert aggregates.drum_palette.kick_character == [
        "kicks (named tracks, clips, pads or samples) in 1 of 2 sets",
        "808 kick/bass in 1 of 2 sets",
        "kick synth Kick 2 in 1 of 2 sets",
    ]
    assert aggregates.drum_palette.snare_clap_character[:2] == [
        "claps in 1 of 2 sets",
        "snares in 1 of 2 sets",
    ]
    assert aggregates.drum_palette.percussion_notes == [
        "Drum Rack in 1 of 2 sets",
        "drums grouped on a drum bus in 1 of 2 sets",
        "hi-hats in 1 of 2 sets",
    ]
    assert aggregates.bass_workflow == [
        "MIDI parts in the bass register (median note C0-B1) in 1 of 2 sets",
        "sidechain keyed from the kick or drums in 1 of 2 sets",
        "bass from Operator in 1 of 2 sets",
        "bass through Compressor in 1 of 2 sets",
    ]
    # Kick 2 is a drum machine, not a synth; Operator and Drift are.
    assert aggregates.core_synth_palette == [
        "Operator in all 2 sets",
        "Drift in 1 of 2 sets",
    ]
    assert "sidechain routing between tracks in 1 of 2 sets" in aggregates.arrangement_habits

"""Each summary rule on generated sets (dawa_pipeline.demo.live_set), across the Live versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from dawa_pipeline.als import parse_als, parse_id
from dawa_pipeline.als.models import AlsSummary
from dawa_pipeline.demo.live_set.build import build_set, write_set
from dawa_pipeline.demo.live_set.spec import (
    Chain,
    Clip,
    Device,
    DrumPad,
    DrumRack,
    Envelope,
    Groove,
    Key,
    Locator,
    Note,
    Plugin,
    Rack,
    Sample,
    Scene,
    SetSpec,
    TakeLane,
    Track,
)

VERSIONS = ("10", "11", "12", "12.1", "12.3")
MASTER_NAME = {"10": "Master", "11": "Master", "12": "Main", "12.1": "Main", "12.3": "Main"}


def parse(spec: SetSpec, container: str = "gzip") -> AlsSummary:
    return parse_als(build_set(spec, container), file_name="Song.als")  # type: ignore[arg-type]


def kick(path: str = "/Users/p/Samples/Kick.wav") -> Sample:
    return Sample(path, "Samples/" + path.rsplit("/", 1)[1])


@pytest.mark.parametrize("live", VERSIONS)
def test_overview_and_track_counts_per_version(live: str) -> None:
    spec = SetSpec(
        live=live,  # type: ignore[arg-type]
        tempo=93.5,
        time_signature=(6, 8),
        tracks=[
            Track.midi("Keys"),
            Track.audio("Vox", clips=[Clip("take", 0, 8, sample=kick())]),
            Track.group("Drums", [Track.midi("Hats")]),
        ],
        returns=[Track.return_track("Verb")],
    )
    summary = parse(spec)
    assert summary.overview.model_dump() == {
        "tempo": 93.5,
        "time_signature": "6/8",
        "midi_tracks": 2,
        "audio_tracks": 1,
        "group_tracks": 1,
        "return_tracks": 1,
        "total_tracks": 5,
    }
    assert summary.tracks[-1].name == MASTER_NAME[live]
    assert summary.live_version.major == int(live.split(".")[0])


def test_duplicate_track_names_get_visible_suffixes() -> None:
    spec = SetSpec(
        tracks=[Track.midi("Bass", devices=[Plugin.vst2("Serum_x64", instrument=True)]), Track.midi("Bass")],
        returns=[Track.return_track("Bass")],
    )
    summary = parse(spec)
    assert list(summary.track_breakdown) == ["Bass", "Bass (2)"]
    assert [t.name for t in summary.tracks] == ["Bass", "Bass (2)", "Bass (3)", "Main"]
    assert summary.plugins_by_track == {"Bass": ["Serum"]}


def test_nested_groups_nest_in_the_hierarchy_and_name_their_parent() -> None:
    spec = SetSpec(
        tracks=[
            Track.group("Drums", [Track.group("Tops", [Track.audio("Hat")]), Track.midi("Kick")]),
            Track.midi("Lead"),
        ]
    )
    summary = parse(spec)
    dumped = [node.model_dump(mode="json") for node in summary.track_hierarchy]
    assert dumped == [
        {
            "name": "Drums",
            "type": "Group",
            "index": 0,
            "level": 0,
            "children": [
                {
                    "name": "Tops",
                    "type": "Group",
                    "index": 1,
                    "level": 1,
                    "children": [{"name": "Hat", "type": "Audio", "index": 2, "level": 2}],
                },
                {"name": "Kick", "type": "MIDI", "index": 3, "level": 1},
            ],
        },
        {"name": "Lead", "type": "MIDI", "index": 4, "level": 0},
    ]
    assert summary.track_breakdown["Hat"].group == "Tops"
    assert summary.track_breakdown["Kick"].group == "Drums"
    assert summary.track_breakdown["Lead"].group is None


def test_plugins_in_racks_inside_racks_drum_chains_returns_and_master_are_all_counted() -> None:
    inner = Rack("audio_effect", [Chain("deep", [Plugin.vst3("Pro-Q 3")])])
    spec = SetSpec(
        live="11",
        tracks=[
            Track.midi(
                "Synth",
                devices=[
                    Rack("instrument", [Chain("A", [Plugin.vst2("Diva", instrument=True), inner])]),
                    Device("Reverb"),
                ],
            ),
            Track.midi(
                "Beat",
                devices=[
                    DrumRack(
                        pads=[DrumPad("Kick", 36, [Device("OriginalSimpler", samples=[kick()])])],
                        returns=[Chain("Rev", [Plugin.au("FF Pro-R", "FabFilter")])],
                    )
                ],
            ),
        ],
        returns=[Track.return_track("Delay", devices=[Plugin.vst2("EchoBoy")])],
        master_devices=[Plugin.vst3("Pro-L 2"), Plugin.vst2("FabFilter Pro-Q 2 x64")],
    )
    summary = parse(spec)
    assert summary.plugins_by_track == {
        "Synth": ["Diva", "FabFilter Pro-Q 3"],
        "Beat": ["FabFilter Pro-R"],
        "Delay": ["EchoBoy"],
        "Master": ["FabFilter Pro-L 2", "FabFilter Pro-Q 2"],
    }
    assert summary.plugin_usage["FabFilter Pro-Q 3"] == 1
    synth = summary.tracks[0]
    assert (
        "InstrumentGroupDevice" in synth.native_devices and "AudioEffectGroupDevice" in synth.native_devices
    )
    assert synth.devices == 5  # two racks, two plugins, Reverb
    diva = summary.plugins[0]
    assert (diva.raw_name, diva.format, diva.vendor, diva.kind) == ("Diva", "VST2", "u-he", "instrument")
    au = next(p for p in summary.plugins if p.format in ("AU", "AUv3"))
    assert (au.raw_name, au.name, au.vendor) == ("FF Pro-R", "FabFilter Pro-R", "FabFilter")


def test_au_v3_and_empty_vst3_preset_names() -> None:
    spec = SetSpec(
        tracks=[
            Track.midi(
                "Keys",
                devices=[
                    Plugin.au("Moog Model D", "Moog", instrument=True, auv3=True),
                    Plugin.vst3("Little Plate", manufacturer="Soundtoys"),
                ],
            )
        ]
    )
    summary = parse(spec)
    assert [(p.raw_name, p.format, p.kind) for p in summary.plugins] == [
        ("Moog Model D", "AUv3", "instrument"),
        ("Little Plate", "VST3", "effect"),
    ]


def test_take_lanes_session_and_arrangement_clips_counted_apart_freeze_renders_not_at_all() -> None:
    spec = SetSpec(
        tracks=[
            Track.audio(
                "Vox",
                clips=[
                    Clip("v1", 0, 8, sample=kick("/a/Vox1.wav")),
                    Clip("v2", 16, 8, sample=kick("/a/Vox2.wav")),
                ],
                session_clips=[Clip("s", sample=kick("/a/Vox3.wav")), None],
                take_lanes=[TakeLane("Take 1", [Clip("t", 0, 8, sample=kick("/a/Take.wav"))])],
                frozen=True,
            )
        ]
    )
    summary = parse(spec)
    vox = summary.tracks[0]
    assert (vox.session_clips, vox.arrangement_clips, vox.take_lane_clips, vox.frozen) == (1, 2, 1, True)
    assert summary.track_breakdown["Vox"].clips == 4
    assert vox.arrangement_clip_spans == [(0.0, 8.0), (16.0, 24.0)]
    assert set(summary.sample_index) == {"Vox1.wav", "Vox2.wav", "Vox3.wav", "Take.wav"}  # no Freeze renders
    assert summary.arrangement.length_beats == 24.0
    assert summary.arrangement.length_bars == 6.0
    assert summary.arrangement.length_seconds == pytest.approx(12.0)


@pytest.mark.parametrize("live", ("10", "12.3"))
def test_default_only_envelopes_are_not_automation(live: str) -> None:
    spec = SetSpec(
        live=live,  # type: ignore[arg-type]
        tracks=[
            Track.midi("Still", automation=[Envelope("Volume")]),
            Track.midi("Moving", automation=[Envelope("Volume", points=[(0, 0.2), (8, 0.9)])]),
        ],
    )
    breakdown = parse(spec).track_breakdown
    assert breakdown["Still"].has_automation is False
    assert breakdown["Moving"].has_automation is True


@pytest.mark.parametrize("live", ("10", "12"))
def test_tempo_and_time_signature_changes_from_master_envelopes(live: str) -> None:
    spec = SetSpec(
        live=live,  # type: ignore[arg-type]
        tempo=120,
        tempo_changes=[(32, 140.0), (64, 90.0)],
        time_signature_changes=[(16, (3, 4))],
    )
    summary = parse(spec)
    assert summary.overview.tempo == 120
    assert summary.tempo_automated is True
    assert [(c.beat, c.bpm) for c in summary.tempo_changes] == [(0, 120), (32, 140), (64, 90)]
    assert [(c.beat, c.time_signature) for c in summary.time_signature_changes] == [(0, "4/4"), (16, "3/4")]


def test_steady_tempo_lists_no_changes() -> None:
    summary = parse(SetSpec())
    assert (summary.tempo_automated, summary.tempo_changes, summary.time_signature_changes) == (False, [], [])


def test_plain_xml_container_parses_like_gzip() -> None:
    spec = SetSpec(tracks=[Track.midi("Keys", devices=[Plugin.vst2("Diva")])])
    plain, packed = parse(spec, "xml"), parse(spec, "gzip")
    assert plain.source.container == "xml" and packed.source.container == "gzip"
    assert plain.plugins_by_track == packed.plugins_by_track == {"Keys": ["Diva"]}


def test_a_set_read_in_many_pieces_parses_the_same() -> None:
    """200 kB of layout whitespace between the root and the LiveSet, and between tracks: the root, the set
    and each track then open and close in different reads of the stream."""
    spec = SetSpec(
        tracks=[Track.midi(f"Keys {n}", clips=[Clip(notes=_notes([60, 64, 67]))]) for n in range(3)],
        tempo_changes=[(32, 140.0)],
    )
    plain = build_set(spec, "xml")
    padded = plain.replace(b"<LiveSet", b" " * 200_000 + b"<LiveSet", 1).replace(
        b"</MidiTrack>", b"</MidiTrack>" + b"\n" * 100_000
    )
    expected, summary = parse_als(plain), parse_als(padded)
    assert summary.source.xml_bytes > expected.source.xml_bytes + 400_000
    assert summary.model_dump(exclude={"source"}) == expected.model_dump(exclude={"source"})
    assert [(c.beat, c.bpm) for c in summary.tempo_changes] == [(0, 120), (32, 140)]


def _notes(pitches: list[int], duration: float = 1.0) -> list[Note]:
    return [Note(p, i * duration, duration) for i, p in enumerate(pitches)]


def test_key_estimated_from_notes_of_a_known_scale() -> None:
    a_minor = [57, 59, 60, 62, 64, 65, 67, 69, 64, 60, 57, 69, 57, 64, 57, 60] * 3  # tonic-heavy A minor line
    spec = SetSpec(
        live="11",
        tracks=[
            Track.midi("Lead", clips=[Clip("line", 0, 64, notes=_notes(a_minor))]),
            # Drum pads are not pitches: a kick on C must not pull the key towards C.
            Track.midi(
                "Drums",
                devices=[DrumRack(pads=[DrumPad("Kick", 36)])],
                clips=[Clip("beat", 0, 64, notes=_notes([36] * 64, 4.0))],
            ),
        ],
    )
    key = parse(spec).key
    assert (key.name, key.source) == ("A minor", "midi_estimate")
    assert 0.5 < key.confidence <= 1.0


def test_key_from_scale_mode_wins_and_live12_numeric_scale_names_decode() -> None:
    spec = SetSpec(live="12", key=Key(root=2, scale="Dorian", in_key=True))
    key = parse(spec).key
    assert (key.root, key.mode, key.name, key.source, key.confidence, key.in_key) == (
        "D",
        "dorian",
        "D dorian",
        "scale_information",
        1.0,
        True,
    )


def test_no_notes_and_no_scale_mode_means_no_key() -> None:
    key = parse(SetSpec(live="11", key=Key(root=0, in_key=False))).key
    assert (key.source, key.name, key.confidence) == ("none", None, 0.0)


def test_locators_scenes_and_groove() -> None:
    spec = SetSpec(
        live="11",
        locators=[Locator(0, "Intro"), Locator(64, "Drop")],
        scenes=[Scene("Verse"), Scene("Fast", tempo=150)],
        grooves=[Groove("MPC 16 Swing-62")],
        global_groove_amount=80,
    )
    summary = parse(spec)
    assert [(loc.beat, loc.name) for loc in summary.locators] == [(0, "Intro"), (64, "Drop")]
    assert [(s.name, s.tempo) for s in summary.scenes] == [("Verse", None), ("Fast", 150)]
    assert summary.groove.model_dump() == {"global_amount": 80, "grooves": ["MPC 16 Swing-62"]}


def test_sample_index_merges_one_file_and_suffixes_colliding_names() -> None:
    spec = SetSpec(
        tracks=[
            Track.audio("A", clips=[Clip("1", 0, 4, sample=kick("/lib/one/Kick.wav"))]),
            Track.audio("B", clips=[Clip("2", 0, 4, sample=kick("/lib/one/Kick.wav"))]),
            Track.audio("C", clips=[Clip("3", 0, 4, sample=kick("/lib/two/Kick.wav"))]),
        ]
    )
    summary = parse(spec)
    index = {name: entry.model_dump() for name, entry in summary.sample_index.items()}
    assert index == {
        "Kick.wav": {"path": "/lib/one/Kick.wav", "tracks": ["A", "B"]},
        "Kick.wav (2)": {"path": "/lib/two/Kick.wav", "tracks": ["C"]},
    }
    assert summary.track_breakdown["C"].sample_files == ["Kick.wav (2)"]


def test_identification_from_the_project_folder(tmp_path: Path) -> None:
    path = write_set(SetSpec(), tmp_path / "Night Drive Project" / "Night Drive v3.als")
    summary = parse_als(path, artist_name="Ana")
    assert (summary.als_stem, summary.als_filename, summary.project_name, summary.project_folder) == (
        "Night Drive v3",
        "Night Drive v3.als",
        "Night Drive",
        "Night Drive Project",
    )
    assert summary.artist_name == "Ana"


def test_parse_id_is_deterministic_and_changes_with_artist_bytes_and_version() -> None:
    sha = "ab" * 32
    first = parse_id("Ana", sha)
    assert first == parse_id("Ana", sha)
    assert first.startswith("p") and len(first) == 17 and first[1:].isalnum()
    assert len({first, parse_id("Bo", sha), parse_id("Ana", "cd" * 32), parse_id("Ana", sha, "9.9.9")}) == 4


def test_live_12_beta_creator_is_flagged() -> None:
    version = parse(SetSpec(live="12.3", creator="Ableton Live 12.4.5b10")).live_version
    assert (version.major, version.minor, version.patch, version.beta) == (12, 4, 5, True)

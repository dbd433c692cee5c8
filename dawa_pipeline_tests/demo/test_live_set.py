"""The builder writes the element paths real Live files use (FORMAT.md), per Live version."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from lxml import etree

from dawa_pipeline.demo.live_set.build import build_set, write_set
from dawa_pipeline.demo.live_set.spec import (
    BuildError,
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
from dawa_pipeline.demo.live_set.tracks import DEFAULT_TIME
from dawa_pipeline.demo.live_set.xml_writer import encode_time_signature

VERSIONS = ["10", "11", "12", "12.1", "12.3"]
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)

KICK = Sample("/Users/ana/Samples/Drums/909 Kick.wav")
LOOP = Sample("/Users/ana/Samples/Loops/dusty_loop_90bpm.wav")


def parse(data: bytes) -> etree._Element:
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return etree.fromstring(data, _PARSER)


def rich_spec(live: str = "12") -> SetSpec:
    """One of everything the builder knows, so each test can look at its part."""
    has_lanes = live != "10"
    return SetSpec(
        live=live,  # type: ignore[arg-type]
        tempo=124.5,
        time_signature=(6, 8),
        tempo_changes=[(128, 128.0)],
        time_signature_changes=[(256, (4, 4))],
        key=Key(9, "Minor"),
        tracks=[
            Track.midi(
                "Bass",
                devices=[
                    Plugin.vst3("Serum", instrument=True),
                    Device("AutoFilter", params={"Cutoff": 80.0}),
                ],
                clips=[Clip("bassline", 0, 16, notes=[Note(45, 0), Note(45, 1, enabled=False), Note(48, 2)])],
                session_clips=[None, Clip("idea", notes=[Note(57, 0)])],
                take_lanes=[TakeLane("Take 1", [Clip("take", 0, 4, notes=[Note(45, 0)])])]
                if has_lanes
                else [],
                automation=[
                    Envelope("Cutoff", [(0, 40.0), (64, 100.0)], device="AutoFilter"),
                    Envelope("Volume"),
                ],
            ),
            Track.group(
                "Drums",
                children=[
                    Track.midi(
                        "909",
                        devices=[
                            DrumRack(
                                pads=[DrumPad("Kick", 36, [Device("OriginalSimpler", samples=[KICK])])],
                                returns=[Chain("Room", [Device("Reverb")])],
                            )
                        ],
                        clips=[Clip("beat", 0, 4, notes=[Note(36, 0)], grooved=True)],
                    ),
                    Track.group(
                        "Perc", children=[Track.audio("Loop", clips=[Clip("loop", 0, 8, sample=LOOP)])]
                    ),
                ],
            ),
            Track.midi("Bass", frozen=True, clips=[Clip("frozen", 0, 4, notes=[Note(40, 0)])]),
            Track.audio(
                "Vox",
                devices=[
                    Plugin.vst2("FabFilter Pro-Q 3 x64"),
                    Plugin.au("RC-20 Retro Color", "XLN Audio", auv3=True),
                    Rack(
                        "audio_effect",
                        [Chain("Dirt", [Rack("audio_effect", [Chain("In", [Plugin.vst3("Decapitator")])])])],
                    ),
                ],
            ),
        ],
        returns=[
            Track.return_track("A-Reverb", devices=[Plugin.vst3("ValhallaRoom")]),
            Track.return_track("B-Delay"),
        ],
        master_devices=[Device("GlueCompressor")],
        locators=[Locator(64, "drop"), Locator(0, "intro")],
        scenes=[Scene("Verse", tempo=124.5), Scene("Chorus")],
        grooves=[Groove("MPC 16 Swing-62")],
        global_groove_amount=80.0,
    )


def main_track(root: etree._Element) -> etree._Element:
    (main,) = root.xpath("/Ableton/LiveSet/MainTrack | /Ableton/LiveSet/MasterTrack")
    return main


@pytest.mark.parametrize("live", VERSIONS)
def test_gzip_container_and_root_attributes_per_version(live: str) -> None:
    data = build_set(rich_spec(live))
    assert data[:2] == b"\x1f\x8b"
    root = parse(data)
    assert root.tag == "Ableton"
    assert root.get("MajorVersion") == "5"
    major = live.split(".")[0]
    assert root.get("MinorVersion").startswith(f"{major}.0_")
    assert root.get("Creator").startswith(f"Ableton Live {live}.")
    assert int(root.xpath("string(/Ableton/LiveSet/NextPointeeId/@Value)")) > max(
        int(i) for i in root.xpath("//AutomationTarget/@Id")
    )


def test_creator_and_minor_version_can_name_a_beta() -> None:
    spec = SetSpec(live="12.3", creator="Ableton Live 12.4.5b10", minor_version="12.0_12402")
    root = parse(build_set(spec))
    assert (root.get("Creator"), root.get("MinorVersion")) == ("Ableton Live 12.4.5b10", "12.0_12402")


def test_plain_xml_container_holds_the_same_document_as_gzip() -> None:
    spec = rich_spec("11")
    xml = build_set(spec, container="xml")
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Ableton ')
    assert gzip.decompress(build_set(spec)) == xml
    with pytest.raises(BuildError, match="container"):
        build_set(spec, container="zip")  # type: ignore[arg-type]


def test_same_spec_gives_same_bytes_and_write_set_writes_them(tmp_path: Path) -> None:
    path = write_set(rich_spec(), tmp_path / "Song Project" / "Song.als")
    assert path.read_bytes() == build_set(rich_spec())


@pytest.mark.parametrize(("live", "tag"), [("10", "MasterTrack"), ("11", "MasterTrack"), ("12", "MainTrack")])
def test_master_element_by_version(live: str, tag: str) -> None:
    root = parse(build_set(rich_spec(live)))
    assert main_track(root).tag == tag


@pytest.mark.parametrize("live", VERSIONS)
def test_tempo_and_time_signature_manual_values(live: str) -> None:
    mixer = main_track(parse(build_set(rich_spec(live)))).find("DeviceChain/Mixer")
    assert float(mixer.find("Tempo/Manual").get("Value")) == 124.5
    enc = int(mixer.find("TimeSignature/Manual").get("Value"))
    assert (enc % 99 + 1, 2 ** (enc // 99)) == (6, 8)
    assert float(mixer.find("GlobalGrooveAmount/Manual").get("Value")) == 80.0


def test_tempo_and_time_signature_changes_are_master_envelopes_on_the_mixer_targets() -> None:
    main = main_track(parse(build_set(rich_spec())))
    tempo_id = main.find("DeviceChain/Mixer/Tempo/AutomationTarget").get("Id")
    signature_id = main.find("DeviceChain/Mixer/TimeSignature/AutomationTarget").get("Id")
    envelopes = {
        env.find("EnvelopeTarget/PointeeId").get("Value"): env.findall("Automation/Events/*")
        for env in main.findall("AutomationEnvelopes/Envelopes/AutomationEnvelope")
    }
    tempo_events = [(e.tag, float(e.get("Time")), float(e.get("Value"))) for e in envelopes[tempo_id]]
    assert tempo_events == [("FloatEvent", DEFAULT_TIME, 124.5), ("FloatEvent", 128, 128.0)]
    signature_events = [(e.tag, float(e.get("Time")), int(e.get("Value"))) for e in envelopes[signature_id]]
    assert signature_events == [
        ("EnumEvent", DEFAULT_TIME, encode_time_signature(6, 8)),
        ("EnumEvent", 256, 201),
    ]


def test_set_without_changes_still_has_default_only_master_envelopes() -> None:
    main = main_track(parse(build_set(SetSpec(live="11", tempo=90))))
    events = main.xpath("AutomationEnvelopes/Envelopes/AutomationEnvelope/Automation/Events")
    assert [[e.get("Time") for e in ev] for ev in events] == [[str(DEFAULT_TIME)], [str(DEFAULT_TIME)]]


@pytest.mark.parametrize(
    ("numerator", "denominator", "enc"),
    [(4, 4, 201), (3, 4, 200), (6, 8, 302), (7, 4, 204), (1, 1, 0), (1, 16, 396)],
)
def test_time_signature_encoding_matches_live(numerator: int, denominator: int, enc: int) -> None:
    assert encode_time_signature(numerator, denominator) == enc


def test_time_signature_live_cannot_store_is_rejected() -> None:
    with pytest.raises(BuildError, match="5/6"):
        build_set(SetSpec(time_signature=(5, 6)))


@pytest.mark.parametrize("live", VERSIONS)
def test_tracks_are_direct_children_with_returns_last(live: str) -> None:
    root = parse(build_set(rich_spec(live)))
    tags = [t.tag for t in root.find("LiveSet/Tracks")]
    assert tags == [
        *("MidiTrack", "GroupTrack", "MidiTrack", "GroupTrack", "AudioTrack", "MidiTrack", "AudioTrack"),
        *("ReturnTrack", "ReturnTrack"),
    ]
    names = root.xpath("/Ableton/LiveSet/Tracks/*/Name/EffectiveName/@Value")
    assert names == ["Bass", "Drums", "909", "Perc", "Loop", "Bass", "Vox", "A-Reverb", "B-Delay"]
    assert root.xpath("/Ableton/LiveSet/Tracks/*/Name/UserName/@Value") == names
    ids = root.xpath("/Ableton/LiveSet/Tracks/*/@Id")
    assert len(set(ids)) == len(ids)


def test_nested_groups_point_at_their_parent_group_id() -> None:
    tracks = parse(build_set(rich_spec())).find("LiveSet/Tracks")
    by_name = {t.find("Name/EffectiveName").get("Value"): t for t in tracks if t.tag != "MidiTrack"}
    parent_of = {
        t.find("Name/EffectiveName").get("Value"): t.find("TrackGroupId").get("Value") for t in tracks
    }
    assert parent_of["Drums"] == "-1"
    assert parent_of["909"] == by_name["Drums"].get("Id")
    assert parent_of["Perc"] == by_name["Drums"].get("Id")
    assert parent_of["Loop"] == by_name["Perc"].get("Id")
    assert parent_of["Vox"] == "-1"


def test_generated_names_leave_user_name_empty() -> None:
    root = parse(build_set(SetSpec(tracks=[Track.audio("1-Audio", user_named=False)])))
    assert root.xpath("string(//AudioTrack/Name/UserName/@Value)") == ""
    assert root.xpath("string(//AudioTrack/Name/EffectiveName/@Value)") == "1-Audio"


@pytest.mark.parametrize(("live", "attributes"), [("12", False), ("12.1", True), ("12.3", True)])
def test_live_12_1_puts_attributes_on_track_tags(live: str, attributes: bool) -> None:
    root = parse(build_set(rich_spec(live)))
    for track in [*root.find("LiveSet/Tracks"), main_track(root)]:
        assert ("SelectedToolPanel" in track.attrib) is attributes


@pytest.mark.parametrize("live", VERSIONS)
def test_colour_element_by_version(live: str) -> None:
    track = parse(build_set(rich_spec(live))).find("LiveSet/Tracks/MidiTrack")
    assert track.find("ColorIndex" if live == "10" else "Color") is not None


def test_plugin_names_are_direct_children_of_their_plugin_info() -> None:
    root = parse(build_set(rich_spec()))
    vst2 = root.xpath("//PluginDevice/PluginDesc/VstPluginInfo")
    assert [i.find("PlugName").get("Value") for i in vst2] == ["FabFilter Pro-Q 3 x64"]
    assert vst2[0].find("Path").get("Value").endswith(".dll")
    vst3 = root.xpath("//PluginDevice/PluginDesc/Vst3PluginInfo")
    assert [i.find("Name").get("Value") for i in vst3] == ["Serum", "Decapitator", "ValhallaRoom"]
    assert [i.find("DeviceType").get("Value") for i in vst3] == ["1", "2", "2"]
    (au,) = root.xpath("//AuPluginDevice/PluginDesc/AuPluginInfo")
    assert (au.find("Name").get("Value"), au.find("Manufacturer").get("Value")) == (
        "RC-20 Retro Color",
        "XLN Audio",
    )
    assert int(au.find("ComponentFlags").get("Value")) & 4
    assert au.find("ComponentType").get("Value") == "1635083896"


def test_vst3_empty_preset_name_comes_first_in_document_order() -> None:
    info = parse(build_set(rich_spec())).xpath("//Vst3PluginInfo")[0]
    assert info.find(".//Name").get("Value") == ""  # the trap FORMAT.md warns about
    assert info.find("Preset/Vst3Preset/Name").get("Value") == ""
    assert info.find("Name").get("Value") == "Serum"


def test_racks_nest_devices_through_branch_device_chains() -> None:
    vox = parse(build_set(rich_spec())).xpath("//AudioTrack[Name/EffectiveName/@Value='Vox']")[0]
    path = (
        "DeviceChain/DeviceChain/Devices/AudioEffectGroupDevice/Branches/AudioEffectBranch/DeviceChain/"
        "AudioToAudioDeviceChain/Devices/AudioEffectGroupDevice/Branches/AudioEffectBranch/DeviceChain/"
        "AudioToAudioDeviceChain/Devices/PluginDevice/PluginDesc/Vst3PluginInfo/Name"
    )
    assert vox.find(path).get("Value") == "Decapitator"


def test_drum_rack_pads_hold_simplers_with_sample_refs_and_return_branches() -> None:
    rack = parse(build_set(rich_spec())).xpath("//DrumGroupDevice")[0]
    branch = rack.find("Branches/DrumBranch")
    assert branch.find("Name/EffectiveName").get("Value") == "Kick"
    assert branch.find("BranchInfo/ReceivingNote").get("Value") == "92"  # Live counts pads down from 128
    file_ref = branch.find(
        "DeviceChain/MidiToAudioDeviceChain/Devices/OriginalSimpler/Player/MultiSampleMap/SampleParts/"
        "MultiSamplePart/SampleRef/FileRef"
    )
    assert file_ref.find("Path").get("Value") == KICK.path
    assert file_ref.find("RelativePath").get("Value") == "Samples/Imported/909 Kick.wav"
    assert (
        rack.find("ReturnBranches/ReturnBranch/DeviceChain/AudioToAudioDeviceChain/Devices/Reverb")
        is not None
    )


def count_clips(track: etree._Element) -> dict[str, int]:
    """The clip counts the ground truth defines (FORMAT.md §2.1 rule 7)."""
    return {
        "session": len(track.xpath("DeviceChain/MainSequencer/ClipSlotList/ClipSlot/ClipSlot/Value/*")),
        "arrangement": len(
            track.xpath(
                "DeviceChain/MainSequencer/ClipTimeable/ArrangerAutomation/Events/* | "
                "DeviceChain/MainSequencer/Sample/ArrangerAutomation/Events/*"
            )
        ),
        "take_lane": len(track.xpath("TakeLanes/TakeLanes/TakeLane/ClipAutomation/Events/*")),
    }


def test_clips_land_in_session_arrangement_and_take_lanes() -> None:
    tracks = parse(build_set(rich_spec("11"))).find("LiveSet/Tracks")
    assert count_clips(tracks[0]) == {"session": 1, "arrangement": 1, "take_lane": 1}
    assert count_clips(tracks[4]) == {"session": 0, "arrangement": 1, "take_lane": 0}
    slots = tracks[0].findall("DeviceChain/MainSequencer/ClipSlotList/ClipSlot")
    assert len(slots) == 2  # one slot per scene
    assert slots[1].find("ClipSlot/Value/MidiClip/Name").get("Value") == "idea"
    clip = tracks[0].find("DeviceChain/MainSequencer/ClipTimeable/ArrangerAutomation/Events/MidiClip")
    assert (clip.find("CurrentStart").get("Value"), clip.find("CurrentEnd").get("Value")) == ("0", "16")
    audio = tracks[4].find("DeviceChain/MainSequencer/Sample/ArrangerAutomation/Events/AudioClip")
    assert audio.find("SampleRef/FileRef/Path").get("Value") == LOOP.path


def test_session_slots_grow_with_scenes_and_default_to_eight() -> None:
    spec = SetSpec(scenes=[Scene("A")], tracks=[Track.midi("Keys", session_clips=[None, None, Clip("late")])])
    live_set = parse(build_set(spec)).find("LiveSet")
    assert len(live_set.findall("Tracks/MidiTrack/DeviceChain/MainSequencer/ClipSlotList/ClipSlot")) == 3
    assert [s.find("Name").get("Value") for s in live_set.findall("Scenes/Scene")] == ["A", "", ""]
    assert (
        len(parse(build_set(SetSpec(tracks=[Track.midi("Keys")]))).xpath("//MainSequencer/ClipSlotList/*"))
        == 8
    )


def test_take_lanes_need_live_11() -> None:
    spec = SetSpec(live="10", tracks=[Track.midi("Keys", take_lanes=[TakeLane("Take 1")])])
    with pytest.raises(BuildError, match="take lanes"):
        build_set(spec)
    assert parse(build_set(rich_spec("10"))).find("LiveSet/Tracks/MidiTrack/TakeLanes") is None


def test_frozen_track_render_clips_live_only_in_the_freeze_sequencer() -> None:
    frozen = parse(build_set(rich_spec())).find("LiveSet/Tracks")[5]
    assert frozen.find("Freeze").get("Value") == "true"
    assert count_clips(frozen) == {"session": 0, "arrangement": 1, "take_lane": 0}
    renders = frozen.xpath("DeviceChain/FreezeSequencer/Sample/ArrangerAutomation/Events/AudioClip")
    assert len(renders) == 1
    assert "Samples/Freeze/" in renders[0].find("SampleRef/FileRef/Path").get("Value")


def test_groove_pool_clip_is_not_a_track_clip() -> None:
    root = parse(build_set(rich_spec()))
    (groove,) = root.xpath("/Ableton/LiveSet/GroovePool/Grooves/Groove")
    assert groove.find("Name").get("Value") == "MPC 16 Swing-62"
    assert groove.find("Clip/Value/MidiClip") is not None
    track_clips = sum(sum(count_clips(t).values()) for t in root.find("LiveSet/Tracks"))
    assert len(root.xpath("//MidiClip | //AudioClip")) == track_clips + 2  # + groove template + freeze render
    assert root.xpath("//MidiTrack[Name/EffectiveName/@Value='909']//GrooveSettings/GrooveId/@Value") == ["0"]


def test_grooved_clip_needs_a_groove() -> None:
    with pytest.raises(BuildError, match="groove"):
        build_set(SetSpec(tracks=[Track.midi("Beat", clips=[Clip("x", grooved=True)])]))


def note_attributes(live: str) -> list[dict[str, str]]:
    root = parse(build_set(rich_spec(live)))
    clip = root.find(
        "LiveSet/Tracks/MidiTrack/DeviceChain/MainSequencer/ClipTimeable/ArrangerAutomation/Events/MidiClip"
    )
    return [dict(n.attrib) for n in clip.iter("MidiNoteEvent")]


def test_notes_are_grouped_by_key_track() -> None:
    root = parse(build_set(rich_spec()))
    clip = root.find(
        "LiveSet/Tracks/MidiTrack/DeviceChain/MainSequencer/ClipTimeable/ArrangerAutomation/Events/MidiClip"
    )
    keys = {
        int(kt.find("MidiKey").get("Value")): [
            float(n.get("Time")) for n in kt.findall("Notes/MidiNoteEvent")
        ]
        for kt in clip.findall("Notes/KeyTracks/KeyTrack")
    }
    assert keys == {45: [0.0, 1.0], 48: [2.0]}


def test_live_12_3_omits_default_note_attributes() -> None:
    full, trimmed = note_attributes("12.1"), note_attributes("12.3")
    assert all(n["IsEnabled"] in ("true", "false") and "Probability" in n for n in full)
    assert [n.get("IsEnabled") for n in trimmed] == [None, "false", None]
    assert all("Probability" not in n and "VelocityDeviation" not in n for n in trimmed)


@pytest.mark.parametrize(("live", "root_tag", "name"), [("11", "RootNote", "Minor"), ("12", "Root", "1")])
def test_scale_information_by_version(live: str, root_tag: str, name: str) -> None:
    live_set = parse(build_set(rich_spec(live))).find("LiveSet")
    assert live_set.find(f"ScaleInformation/{root_tag}").get("Value") == "9"
    assert live_set.find("ScaleInformation/Name").get("Value") == name
    assert live_set.find("InKey").get("Value") == "true"


def test_locators_sorted_by_time() -> None:
    locators = parse(build_set(rich_spec())).xpath("/Ableton/LiveSet/Locators/Locators/Locator")
    assert [(loc.find("Time").get("Value"), loc.find("Name").get("Value")) for loc in locators] == [
        ("0", "intro"),
        ("64", "drop"),
    ]


def test_scenes_by_version() -> None:
    scenes = parse(build_set(rich_spec("11"))).xpath("/Ableton/LiveSet/Scenes/Scene")
    assert [(s.find("Name").get("Value"), s.find("IsTempoEnabled").get("Value")) for s in scenes] == [
        ("Verse", "true"),
        ("Chorus", "false"),
    ]
    assert parse(build_set(rich_spec("10"))).xpath("/Ableton/LiveSet/SceneNames/Scene/@Value") == [
        "Verse",
        "Chorus",
    ]


def test_track_automation_points_at_a_real_parameter_and_default_only_envelopes_exist() -> None:
    bass = parse(build_set(rich_spec())).find("LiveSet/Tracks/MidiTrack")
    targets = {t.get("Id"): t.getparent().tag for t in bass.iter("AutomationTarget")}
    envelopes = bass.findall("AutomationEnvelopes/Envelopes/AutomationEnvelope")
    pointees = [e.find("EnvelopeTarget/PointeeId").get("Value") for e in envelopes]
    assert [targets[p] for p in pointees] == ["Cutoff", "Volume"]
    real, default_only = (
        [(float(ev.get("Time")), float(ev.get("Value"))) for ev in e.iter("FloatEvent")] for e in envelopes
    )
    assert real == [(DEFAULT_TIME, 0.5), (0, 40.0), (64, 100.0)]
    assert default_only == [(DEFAULT_TIME, 0.5)]


def test_automation_of_a_missing_device_or_parameter_is_rejected() -> None:
    with pytest.raises(BuildError, match="no device 'Eq8'"):
        build_set(SetSpec(tracks=[Track.midi("Keys", automation=[Envelope("Gain", device="Eq8")])]))
    with pytest.raises(BuildError, match="no parameter 'Drive'"):
        build_set(
            SetSpec(
                tracks=[
                    Track.midi(
                        "Keys",
                        devices=[Device("Saturator")],
                        automation=[Envelope("Drive", device="Saturator")],
                    )
                ]
            )
        )


@pytest.mark.parametrize(
    ("track", "message"),
    [
        (Track.audio("Vox", clips=[Clip("no sample")]), "needs a sample"),
        (Track.midi("Keys", clips=[Clip("x", sample=KICK)]), "cannot play a sample"),
        (Track.group("Bus", children=[], clips=[Clip("x")]), "cannot hold clips"),
        (Track.return_track("A"), "belongs in SetSpec.returns"),
        (Track.midi("Keys", children=[Track.midi("x")]), "only group tracks"),
        (Track.midi("Keys", devices=[Device("Operator", samples=[KICK])]), "cannot hold samples"),
    ],
)
def test_specs_live_could_not_have_written_are_rejected(track: Track, message: str) -> None:
    with pytest.raises(BuildError, match=message):
        build_set(SetSpec(tracks=[track]))


def test_sends_follow_the_return_tracks() -> None:
    spec = SetSpec(
        tracks=[Track.audio("Vox", sends=[0.5])], returns=[Track.return_track("A"), Track.return_track("B")]
    )
    holders = parse(build_set(spec)).xpath(
        "//AudioTrack/DeviceChain/Mixer/Sends/TrackSendHolder/Send/Manual/@Value"
    )
    assert [float(v) for v in holders] == [0.5, 0.0003162277571]  # B left off


def test_key_outside_live_12_scale_list_or_pitch_classes_is_rejected() -> None:
    with pytest.raises(BuildError, match="scale list"):
        build_set(SetSpec(live="12", key=Key(0, "Aeolian Blues")))
    with pytest.raises(BuildError, match="pitch class"):
        build_set(SetSpec(live="11", key=Key(12, "Minor")))

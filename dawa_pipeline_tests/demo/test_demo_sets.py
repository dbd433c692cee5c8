"""The demo artists' sets are reproducible and carry each artist's recognisable habits."""

from __future__ import annotations

import gzip
from pathlib import Path

from lxml import etree

from dawa_pipeline.demo.sets import DEMO_ARTISTS, bulk_sets, write_demo_sets

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
DORIAN_OR_MINOR_ON_D = {2, 4, 5, 7, 9, 10, 11, 0}  # D dorian plus the minor sixth (A#)


def parse(path: Path) -> etree._Element:
    return etree.fromstring(gzip.decompress(path.read_bytes()), _PARSER)


def tempo(root: etree._Element) -> float:
    main = "/Ableton/LiveSet/*[self::MainTrack or self::MasterTrack]"
    return float(root.xpath(f"string({main}/DeviceChain/Mixer/Tempo/Manual/@Value)"))


def arrangement_minutes(root: etree._Element) -> float:
    ends = root.xpath(
        "/Ableton/LiveSet/Tracks/*/DeviceChain/MainSequencer/*[self::ClipTimeable or self::Sample]"
        "/ArrangerAutomation/Events/*/CurrentEnd/@Value"
    )
    return max(float(end) for end in ends) / tempo(root)


def plugin_names(root: etree._Element, info: str, name_tag: str) -> set[str]:
    return set(root.xpath(f"//PluginDesc/{info}/{name_tag}/@Value"))


def test_sets_are_laid_out_like_live_project_folders(
    demo_sets: dict[str, list[Path]], tmp_path: Path
) -> None:
    assert set(demo_sets) == {"Nightshift Atlas", "Velvet Marrow"}
    for artist, paths in demo_sets.items():
        assert 5 <= len(paths) <= 6
        for path in paths:
            assert path.parent.name == f"{path.stem} Project"
            assert path.parent.parent.name == artist
            assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_demo_sets_are_byte_for_byte_reproducible(demo_sets: dict[str, list[Path]], tmp_path: Path) -> None:
    again = write_demo_sets(tmp_path)
    for artist, paths in demo_sets.items():
        assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again[artist]]


def test_every_demo_set_differs(demo_sets: dict[str, list[Path]]) -> None:
    contents = [path.read_bytes() for paths in demo_sets.values() for path in paths]
    assert len(set(contents)) == len(contents)
    assert len({demo.name for artist in DEMO_ARTISTS for demo in artist.sets}) == len(contents)


def test_nightshift_atlas_habits(demo_sets: dict[str, list[Path]]) -> None:
    roots = [parse(p) for p in demo_sets["Nightshift Atlas"]]
    assert all(root.find("LiveSet/MainTrack") is not None for root in roots)  # Live 12
    assert all(122 <= tempo(root) <= 128 for root in roots)
    changes = [
        len(
            root.xpath(
                "//MainTrack/AutomationEnvelopes/Envelopes/AutomationEnvelope/Automation/Events/FloatEvent"
            )
        )
        for root in roots
    ]
    assert sorted(changes) == [1] * (len(roots) - 1) + [2]  # exactly one set changes tempo
    for root in roots:
        assert root.xpath("string(/Ableton/LiveSet/ScaleInformation/Name/@Value)") == "1"  # Minor in Live 12
        groups = root.xpath("/Ableton/LiveSet/Tracks/GroupTrack/Name/EffectiveName/@Value")
        assert groups == ["Drums", "Synths"]
        assert len(root.xpath("/Ableton/LiveSet/Tracks/ReturnTrack")) == 2
        samples = root.xpath("//DrumGroupDevice//OriginalSimpler//SampleRef/FileRef/Path/@Value")
        assert {Path(s).name for s in samples} >= {
            "Techno 909 Kick Long.wav",
            "Techno 909 Clap Room.wav",
            "909 Hat Closed 02.wav",
        }
        vst3 = plugin_names(root, "Vst3PluginInfo", "Name")
        assert "FabFilter Pro-Q 3" in vst3 and {"ValhallaRoom", "ValhallaDelay"} <= vst3
        assert not plugin_names(root, "VstPluginInfo", "PlugName")
        locators = root.xpath("/Ableton/LiveSet/Locators/Locators/Locator/Name/@Value")
        assert {"Intro", "Build", "Drop", "Break", "Outro"} <= set(locators)
        assert 6.5 <= arrangement_minutes(root) <= 7.6
        real_points = root.xpath("//MidiTrack/AutomationEnvelopes//FloatEvent[@Time != '-63072000']")
        assert len(real_points) >= 3  # the filter sweep


def test_velvet_marrow_habits(demo_sets: dict[str, list[Path]]) -> None:
    roots = [parse(p) for p in demo_sets["Velvet Marrow"]]
    assert all(root.find("LiveSet/MasterTrack") is not None for root in roots)  # Live 11
    tempos = sorted(tempo(root) for root in roots)
    assert tempos[-1] == 170 and all(80 <= t <= 92 for t in tempos[:-1])
    for root in roots:
        assert root.xpath("/Ableton/LiveSet/GroovePool/Grooves/Groove/Name/@Value") == ["MPC 16 Swing-62"]
        assert (
            float(root.xpath("string(//MasterTrack/DeviceChain/Mixer/GlobalGrooveAmount/Manual/@Value)"))
            >= 100
        )
        vst2 = plugin_names(root, "VstPluginInfo", "PlugName")
        assert vst2 and all(name.endswith(" x64") for name in vst2)
        assert plugin_names(root, "AuPluginInfo", "Name") == {"SketchCassette II"}
        chops = root.xpath(
            "//MidiTrack[Name/EffectiveName/@Value='Chops']//OriginalSimpler//FileRef/Path/@Value"
        )
        assert len(chops) == 1
        assert root.xpath("//MidiTrack/Name/EffectiveName[@Value='808']")
        assert 2.2 <= arrangement_minutes(root) <= 2.8
        assert len(root.xpath("/Ableton/LiveSet/Locators/Locators/Locator")) <= 2


def test_velvet_marrow_rhodes_plays_in_the_set_key_on_d(demo_sets: dict[str, list[Path]]) -> None:
    on_d = [
        parse(p)
        for p in demo_sets["Velvet Marrow"]
        if parse(p).xpath("string(//ScaleInformation/RootNote/@Value)") == "2"
    ]
    assert on_d
    for root in on_d:
        pitches = root.xpath("//MidiTrack[Name/EffectiveName/@Value='Rhodes']//KeyTrack/MidiKey/@Value")
        assert pitches and {int(p) % 12 for p in pitches} <= DORIAN_OR_MINOR_ON_D


def test_bulk_sets_are_varied_valid_and_seeded(tmp_path: Path) -> None:
    paths = bulk_sets(tmp_path / "a", 12, seed=7)
    assert len(paths) == 12 and len(set(paths)) == 12
    roots = [parse(p) for p in paths]
    track_counts = [len(root.find("LiveSet/Tracks")) for root in roots]
    assert all(10 <= count <= 40 for count in track_counts)
    assert len(set(track_counts)) > 3
    assert len({root.get("Creator") for root in roots}) > 2
    assert [p.read_bytes() for p in bulk_sets(tmp_path / "b", 12, seed=7)] == [p.read_bytes() for p in paths]
    assert bulk_sets(tmp_path / "c", 1, seed=8)[0].read_bytes() != paths[0].read_bytes()

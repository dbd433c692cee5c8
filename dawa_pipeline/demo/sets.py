"""The demo artists' Live Sets and bulk sets for the ingest benchmark, all generated and seeded.

Two fictional artists with habits a fingerprint should tell apart: Nightshift Atlas (melodic
techno, Live 12, long arrangements, drum racks, VST3 synths) and Velvet Marrow (lo-fi hip-hop,
Live 11, sample chops, swing, VST2/AU colour plugins, short arrangements).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dawa_pipeline.demo.live_set.build import write_set
from dawa_pipeline.demo.live_set.spec import (
    Chain,
    Clip,
    Device,
    DeviceSpec,
    DrumPad,
    DrumRack,
    Envelope,
    Groove,
    Key,
    LiveVersion,
    Locator,
    Note,
    Plugin,
    Rack,
    Sample,
    Scene,
    SetSpec,
    Track,
)

_SCALE_STEPS = {
    "Minor": (0, 2, 3, 5, 7, 8, 10),
    "Dorian": (0, 2, 3, 5, 7, 9, 10),
    "Major": (0, 2, 4, 5, 7, 9, 11),
}
_BAR = 4.0  # beats per 4/4 bar


@dataclass(frozen=True)
class DemoSet:
    """One generated set: its project/set name and what is in it."""

    name: str
    spec: SetSpec


@dataclass(frozen=True)
class DemoArtist:
    """A fictional artist and the sets written for them."""

    name: str
    style: str
    sets: tuple[DemoSet, ...]


# --------------------------------------------------------------------------- musical helpers


def _seeded(seed: int) -> random.Random:
    """Reproducible randomness for generated music; nothing here needs to be unpredictable."""
    return random.Random(seed)  # noqa: S311


def _scale(key: Key, octave: int) -> list[int]:
    """MIDI pitches of `key`'s scale starting in `octave` (C3 = 60 as in Live)."""
    base = 12 * (octave + 2) + key.root
    return [base + step for step in _SCALE_STEPS[key.scale]]


def _phrase(rng: random.Random, pitches: Sequence[int], bars: int, step: float, density: float) -> list[Note]:
    """A seeded melodic phrase: one note per `step` beats where the dice allow."""
    notes = []
    for index in range(int(bars * _BAR / step)):
        if rng.random() < density:
            velocity = rng.choice((84, 96, 100, 110, 118))
            notes.append(
                Note(rng.choice(pitches), index * step, step * rng.choice((0.5, 1.0, 1.0)), velocity)
            )
    return notes


def _pulse(pitch: int, bars: int, beats: Sequence[float], velocity: float = 110) -> list[Note]:
    """A drum voice hitting the same beats every bar."""
    return [Note(pitch, bar * _BAR + beat, 0.25, velocity) for bar in range(bars) for beat in beats]


def _sections(total_bars: int, layout: Sequence[tuple[str, float]]) -> list[Locator]:
    """Locators at fractions of the arrangement, snapped to 8-bar phrases."""
    return [Locator(round(total_bars * share / 8) * 8 * _BAR, name) for name, share in layout]


def _sample(folder: str, name: str) -> Sample:
    return Sample(f"/Users/producer/Music/Samples/{folder}/{name}")


# --------------------------------------------------------------------------- Nightshift Atlas

_ATLAS_KICK = _sample("Nightshift Kit", "Techno 909 Kick Long.wav")
_ATLAS_CLAP = _sample("Nightshift Kit", "Techno 909 Clap Room.wav")
_ATLAS_HAT = _sample("Nightshift Kit", "909 Hat Closed 02.wav")
_ATLAS_OPEN_HAT = _sample("Nightshift Kit", "909 Hat Open.wav")


def _atlas_drums(bars: int, drop_bar: int) -> Track:
    rack = DrumRack(
        pads=[
            DrumPad("909 Kick", 36, [Device("OriginalSimpler", samples=[_ATLAS_KICK]), Device("Saturator")]),
            DrumPad("909 Clap", 39, [Device("OriginalSimpler", samples=[_ATLAS_CLAP])]),
            DrumPad("909 Hat", 42, [Device("OriginalSimpler", samples=[_ATLAS_HAT])]),
            DrumPad("909 Open Hat", 46, [Device("OriginalSimpler", samples=[_ATLAS_OPEN_HAT])]),
        ],
        returns=[Chain("Room", [Device("Reverb")])],
        name="909 Nightshift Kit",
    )
    groove = (
        _pulse(36, 8, (0, 1, 2, 3))
        + _pulse(39, 8, (1, 3), 100)
        + _pulse(42, 8, (0.5, 1.5, 2.5, 3.5), 90)
        + _pulse(46, 8, (1.5, 3.5), 80)
    )
    loops = [
        Clip("909 Groove", bar * _BAR, 8 * _BAR, notes=groove, color=14) for bar in range(16, bars - 16, 8)
    ]
    return Track.group(
        "Drums",
        color=14,
        children=[
            Track.midi(
                "909 Kit",
                devices=[rack, Device("GlueCompressor", params={"Threshold": -12.0})],
                clips=loops,
                color=14,
            ),
            Track.audio(
                "Top Loop",
                clips=[
                    Clip(
                        "Shaker Loop",
                        bar * _BAR,
                        16 * _BAR,
                        sample=_sample("Loops", "Techno Shaker Loop.wav"),
                    )
                    for bar in range(drop_bar, bars - 16, 16)
                ],
                devices=[Plugin.vst3("FabFilter Pro-Q 3", manufacturer="FabFilter")],
                color=15,
            ),
        ],
    )


def _atlas_synths(rng: random.Random, key: Key, bars: int, build_bar: int, drop_bar: int) -> Track:
    bass_synth: DeviceSpec = rng.choice((Device("Operator"), Plugin.vst3("Serum", instrument=True)))
    lead_synth: DeviceSpec = rng.choice((Device("InstrumentVector"), Plugin.vst3("Diva", instrument=True)))
    bass_notes = _phrase(rng, _scale(key, 0)[:5], 4, 0.5, 0.7)
    lead_notes = _phrase(rng, _scale(key, 2), 4, 0.25, 0.55)
    pad_notes = [Note(pitch, 0, 16) for pitch in _scale(key, 1)[::2][:3]]
    sweep = [(build_bar * _BAR, 20.0), (drop_bar * _BAR, 135.0), ((bars - 16) * _BAR, 60.0)]
    return Track.group(
        "Synths",
        color=24,
        children=[
            Track.midi(
                "Rolling Bass",
                devices=[bass_synth, Plugin.vst3("FabFilter Pro-Q 3", manufacturer="FabFilter")],
                clips=[
                    Clip("Bass Roll", bar * _BAR, 16 * _BAR, notes=bass_notes)
                    for bar in range(16, bars - 16, 16)
                ],
                color=25,
            ),
            Track.midi(
                "Arp Lead",
                devices=[
                    lead_synth,
                    Device("AutoFilter", params={"Cutoff": 90.0, "Resonance": 0.3}),
                    Plugin.vst3("ValhallaDelay", manufacturer="Valhalla DSP"),
                ],
                clips=[
                    Clip("Arp", bar * _BAR, 16 * _BAR, notes=lead_notes)
                    for bar in range(build_bar, bars - 16, 16)
                ],
                automation=[Envelope("Cutoff", sweep, device="AutoFilter", default=90.0)],
                color=26,
                sends=[0.4, 0.2],
            ),
            Track.midi(
                "Night Pad",
                devices=[
                    Device("InstrumentVector"),
                    Plugin.vst3("ValhallaVintageVerb", manufacturer="Valhalla DSP"),
                ],
                clips=[
                    Clip("Pad", bar * _BAR, min(16, bars - bar) * _BAR, notes=pad_notes)
                    for bar in range(0, bars, 16)
                ],
                automation=[Envelope("Volume", [(0, 0.2), (build_bar * _BAR, 0.7)], default=0.2)],
                color=27,
                sends=[0.6],
            ),
        ],
    )


def _nightshift_atlas() -> DemoArtist:
    rng = _seeded(0x5EED_A71A5)
    titles = [
        "Cold Meridian",
        "Sodium Lights",
        "Afterhours Relay",
        "Northern Drift",
        "Glass Tunnel",
        "Lumen Static",
    ]
    keys = [  # A minor is home; F and D minor come back
        Key(9, "Minor"),
        Key(5, "Minor"),
        Key(9, "Minor"),
        Key(2, "Minor"),
        Key(5, "Minor"),
        Key(9, "Minor"),
    ]
    sets = []
    for index, (title, key) in enumerate(zip(titles, keys, strict=True)):
        tempo = float(rng.randint(122, 128))
        bars = 8 * round(7 * tempo / _BAR / 8)  # seven minutes, in 8-bar phrases
        locators = _sections(
            bars,
            [("Intro", 0), ("Build", 0.16), ("Drop", 0.3), ("Break", 0.55), ("Drop 2", 0.7), ("Outro", 0.88)],
        )
        build_bar, drop_bar = int(locators[1].time / _BAR), int(locators[2].time / _BAR)
        spec = SetSpec(
            live="12",
            tempo=tempo,
            tempo_changes=[(locators[4].time, tempo + 2)] if index == 2 else [],
            key=key,
            tracks=[
                _atlas_drums(bars, drop_bar),
                _atlas_synths(rng, key, bars, build_bar, drop_bar),
                Track.audio(
                    "Riser FX",
                    clips=[
                        Clip(
                            "Noise Riser",
                            drop_bar * _BAR - 32,
                            32,
                            sample=_sample("FX", "Noise Riser 8 Bar.wav"),
                        )
                    ],
                    color=40,
                ),
            ],
            returns=[
                Track.return_track(
                    "A-Valhalla Room", devices=[Plugin.vst3("ValhallaRoom", manufacturer="Valhalla DSP")]
                ),
                Track.return_track("B-Delay", devices=[Device("Delay"), Device("Eq8")]),
            ],
            master_devices=[
                Device("GlueCompressor"),
                Plugin.vst3("FabFilter Pro-L 2", manufacturer="FabFilter"),
            ],
            locators=locators,
            scenes=[Scene(name) for name in ("Intro", "Groove", "Drop", "Break")],
        )
        sets.append(DemoSet(title, spec))
    return DemoArtist("Nightshift Atlas", "melodic techno", tuple(sets))


# --------------------------------------------------------------------------- Velvet Marrow

_MARROW_GROOVE = Groove("MPC 16 Swing-62", timing=100.0)


def _marrow_drums(rng: random.Random, bars: int, halftime: bool) -> Track:
    # Written at double tempo, a halftime beat puts one snare per bar, on beat 3.
    kick_beats = (0, 1.5) if halftime else (0, 2.5)
    snare_beats = (2,) if halftime else (1, 3)
    pattern = (
        _pulse(36, 4, kick_beats)
        + _pulse(38, 4, snare_beats, 104)
        + [Note(42, t * 0.5, 0.25, rng.choice((70, 82, 95))) for t in range(32)]
    )
    rack = DrumRack(
        pads=[
            DrumPad(
                "Dusty Kick",
                36,
                [Device("OriginalSimpler", samples=[_sample("Boom Bap", "Vinyl Kick 03.wav")])],
            ),
            DrumPad(
                "Crate Snare",
                38,
                [Device("OriginalSimpler", samples=[_sample("Boom Bap", "Crate Snare 07.wav")])],
            ),
            DrumPad(
                "Tape Hat", 42, [Device("OriginalSimpler", samples=[_sample("Boom Bap", "Tape Hat 11.wav")])]
            ),
        ],
        name="Boom Bap Kit",
    )
    return Track.midi(
        "Drums (halftime)" if halftime else "Drums",
        devices=[
            rack,
            Plugin.vst2("Decapitator x64", path="C:/Program Files/VSTPlugins/Soundtoys/Decapitator x64.dll"),
        ],
        clips=[
            Clip("Boom Bap", bar * _BAR, 4 * _BAR, notes=pattern, grooved=True) for bar in range(4, bars, 4)
        ],
        color=9,
    )


def _velvet_marrow() -> DemoArtist:
    rng = _seeded(0x5EED_BEE7)
    titles = [
        "Dusty Tuesday",
        "Cassette Rain",
        "Corner Store Gospel",
        "Velvet Static",
        "Slow Honey",
        "Night Bus",
    ]
    keys = [
        Key(2, "Dorian"),
        Key(2, "Minor"),
        Key(4, "Minor"),
        Key(9, "Minor"),
        Key(2, "Dorian"),
        Key(11, "Minor"),
    ]
    chops = [
        "Dusty Vinyl Soul Chop 01.wav",
        "Old Gospel Keys 78rpm.wav",
        "Crackle Horn Stab.wav",
        "Velvet Strings Lp.wav",
    ]
    sets = []
    for index, (title, key) in enumerate(zip(titles, keys, strict=True)):
        halftime = index == 5
        tempo = 170.0 if halftime else float(rng.randint(80, 92))
        bars = 104 if halftime else 56  # about two and a half minutes
        chop = _sample("Crate Digs", chops[index % len(chops)])
        rhodes_notes = _phrase(rng, _scale(key, 1) + _scale(key, 2)[:3], 4, 0.5, 0.6)
        chop_notes = [Note(60 + rng.randrange(4), bar * 1.0, 0.9) for bar in range(16)]
        spec = SetSpec(
            live="11",
            tempo=tempo,
            key=key,
            grooves=[_MARROW_GROOVE],
            global_groove_amount=rng.choice((100.0, 110.0, 120.0)),
            tracks=[
                _marrow_drums(rng, bars, halftime),
                Track.midi(
                    "Chops",
                    devices=[
                        Device("OriginalSimpler", samples=[chop]),
                        Plugin.vst2(
                            "RC-20 Retro Color x64",
                            path="C:/Program Files/VSTPlugins/XLN/RC-20 Retro Color x64.dll",
                        ),
                    ],
                    clips=[
                        Clip("Chop", bar * _BAR, 4 * _BAR, notes=chop_notes, grooved=True)
                        for bar in range(0, bars, 4)
                    ],
                    session_clips=[Clip("Chop idea", notes=chop_notes)],
                    color=3,
                ),
                Track.midi(
                    "808",
                    devices=[Device("OriginalSimpler", samples=[_sample("Boom Bap", "808 Long Sub D.wav")])],
                    clips=[
                        Clip(
                            "808", bar * _BAR, 4 * _BAR, notes=_phrase(rng, _scale(key, -1)[:3], 4, 1.0, 0.5)
                        )
                        for bar in range(8, bars, 4)
                    ],
                    color=0,
                ),
                Track.midi(
                    "Rhodes",
                    devices=[
                        Device("Operator"),
                        Plugin.au("SketchCassette II", "Aberrant DSP", auv3=index % 2 == 0),
                    ],
                    clips=[
                        Clip("Rhodes Keys", bar * _BAR, 4 * _BAR, notes=rhodes_notes)
                        for bar in range(0, bars, 4)
                    ],
                    color=5,
                    sends=[0.35],
                ),
                Track.audio(
                    "Vinyl Crackle",
                    clips=[
                        Clip(
                            "Vinyl Crackle Loop",
                            0,
                            bars * _BAR,
                            sample=_sample("Foley", "lofi Vinyl Crackle Loop.wav"),
                        )
                    ],
                    devices=[Device("Eq8"), Plugin.vst2("RC-20 Retro Color x64")],
                    automation=[Envelope("Volume")],  # touched once, left at its default
                    color=7,
                ),
            ],
            returns=[Track.return_track("A-Reverb", devices=[Device("Reverb")])],
            master_devices=[
                Rack("audio_effect", [Chain("Tape", [Device("Saturator"), Device("GlueCompressor")])])
            ],
            locators=[Locator(0, "Loop"), Locator(16 * _BAR, "Hook")][: 1 + index % 2],
        )
        sets.append(DemoSet(f"{title} {int(tempo)}" if halftime else title, spec))
    return DemoArtist("Velvet Marrow", "lo-fi hip-hop", tuple(sets))


DEMO_ARTISTS: tuple[DemoArtist, ...] = (_nightshift_atlas(), _velvet_marrow())


def write_demo_sets(target_dir: Path) -> dict[str, list[Path]]:
    """Write every demo set as `<target>/<artist>/<Set> Project/<Set>.als`, like Live's project folders."""
    return {
        artist.name: [
            write_set(demo.spec, target_dir / artist.name / f"{demo.name} Project" / f"{demo.name}.als")
            for demo in artist.sets
        ]
        for artist in DEMO_ARTISTS
    }


# --------------------------------------------------------------------------- bulk sets

_BULK_LIVE: tuple[LiveVersion, ...] = ("10", "11", "11", "12", "12.1", "12.3")
_BULK_INSTRUMENTS: tuple[DeviceSpec, ...] = (
    Device("Operator"),
    Device("InstrumentVector"),
    Device("Drift"),
    Device("Analog"),
    Plugin.vst3("Serum", instrument=True),
    Plugin.vst3("Diva", instrument=True),
    Plugin.vst2("Massive x64", instrument=True),
    Plugin.au("Alchemy", "Apple", instrument=True),
)
_BULK_EFFECTS: tuple[DeviceSpec, ...] = (
    Device("Eq8"),
    Device("Compressor2"),
    Device("Reverb"),
    Device("AutoFilter", params={"Cutoff": 100.0}),
    Device("Saturator"),
    Plugin.vst3("FabFilter Pro-Q 3"),
    Plugin.vst3("ValhallaVintageVerb"),
    Plugin.vst2("FabFilter Pro-C 2 x64"),
    Plugin.vst2("Decapitator x64"),
    Plugin.au("AUBandpass", "Apple"),
)


def _bulk_track(rng: random.Random, number: int, bars: int) -> Track:
    """A random MIDI or audio track with a few devices and clips."""
    effects = rng.sample(_BULK_EFFECTS, rng.randint(0, 3))
    starts = range(0, bars, 8)
    if rng.random() < 0.6:
        notes = _phrase(rng, list(range(48, 72)), 2, 0.5, 0.6)
        clips = [
            Clip(f"Pattern {number}", bar * _BAR, 8 * _BAR, notes=notes)
            for bar in starts
            if rng.random() < 0.7
        ]
        return Track.midi(f"{number}-MIDI", devices=[rng.choice(_BULK_INSTRUMENTS), *effects], clips=clips)
    sample = _sample("Bulk", f"Loop {rng.randrange(400)}.wav")
    clips = [
        Clip(sample.file_name, bar * _BAR, 8 * _BAR, sample=sample) for bar in starts if rng.random() < 0.5
    ]
    return Track.audio(f"{number}-Audio", devices=effects, clips=clips, frozen=rng.random() < 0.05)


def bulk_spec(rng: random.Random) -> SetSpec:
    """One varied, valid set of 10-40 tracks for load tests."""
    live = rng.choice(_BULK_LIVE)
    bars = rng.choice((32, 64, 96, 128))
    tracks = [_bulk_track(rng, number, bars) for number in range(1, rng.randint(8, 34) + 1)]
    group_size = rng.randint(2, 4)
    tracks = [Track.group("Group", children=tracks[:group_size]), *tracks[group_size:]]
    return SetSpec(
        live=live,
        tempo=float(rng.randint(70, 175)),
        key=Key(rng.randrange(12), rng.choice(("Major", "Minor", "Dorian"))),
        tracks=tracks,
        returns=[
            Track.return_track(f"{chr(65 + i)}-Return", devices=[Device("Reverb")])
            for i in range(rng.randint(1, 4))
        ],
        locators=[Locator(bar * _BAR, f"Part {bar}") for bar in range(0, bars, 32)],
    )


def bulk_sets(target_dir: Path, n: int, seed: int = 0) -> list[Path]:
    """Write `n` varied sets as `<target>/Bulk Set NNNN Project/Bulk Set NNNN.als`; same seed, same files."""
    rng = _seeded(seed)
    paths = []
    for index in range(n):
        name = f"Bulk Set {index:04d}"
        paths.append(write_set(bulk_spec(rng), target_dir / f"{name} Project" / f"{name}.als"))
    return paths

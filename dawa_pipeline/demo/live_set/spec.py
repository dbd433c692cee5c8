"""What a Live Set holds, as a producer sees it in Live: the builder's input (see `build.build_set`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

LiveVersion = Literal["10", "11", "12", "12.1", "12.3"]
TrackKind = Literal["midi", "audio", "group", "return"]
RackKind = Literal["instrument", "audio_effect", "midi_effect"]
PluginFormat = Literal["vst2", "vst3", "au"]


class BuildError(ValueError):
    """A SetSpec that Live could not have written (e.g. an envelope on a missing parameter)."""


@dataclass(frozen=True)
class Sample:
    """An audio file referenced through SampleRef/FileRef (Live 11+ Path/RelativePath style)."""

    path: str
    relative_path: str | None = None
    duration_frames: int = 44100
    sample_rate: int = 44100

    @property
    def file_name(self) -> str:
        return PurePosixPath(self.path).name


@dataclass(frozen=True)
class Note:
    """One MIDI note: pitch 0-127, start and duration in beats."""

    pitch: int
    time: float
    duration: float = 0.25
    velocity: float = 100
    enabled: bool = True


@dataclass(frozen=True)
class Clip:
    """A MIDI clip (notes) or audio clip (sample); `time` is its arrangement position in beats."""

    name: str = ""
    time: float = 0.0
    length: float = 4.0
    notes: Sequence[Note] = ()
    sample: Sample | None = None
    color: int = 1
    grooved: bool = False  # plays through the set's groove (GrooveSettings/GrooveId)


@dataclass(frozen=True)
class TakeLane:
    """A Live 11+ take lane holding comp takes (clips that are not on the main lane)."""

    name: str
    clips: Sequence[Clip] = ()


@dataclass(frozen=True)
class Envelope:
    """Track-level automation of one parameter; no points gives Live's default-only envelope.

    `device` picks the parameter's owner among the track's top-level devices by user name,
    plugin name or device tag; None means the track mixer (Volume, Pan).
    """

    param: str = "Volume"
    points: Sequence[tuple[float, float]] = ()
    device: str | None = None
    default: float = 0.5


@dataclass(frozen=True)
class Device:
    """A native Live device by XML tag, e.g. Device("Operator"), Device("AutoFilter", params=...)."""

    kind: str
    name: str = ""
    params: dict[str, float] = field(default_factory=dict)
    samples: Sequence[Sample] = ()  # OriginalSimpler (one) / MultiSampler (several)


@dataclass(frozen=True)
class Plugin:
    """A third-party plugin instance (VST2, VST3 or AU) with its identifying fields."""

    format: PluginFormat
    name: str
    manufacturer: str = ""
    instrument: bool = False
    path: str = ""  # VST2 file path (10.1+ `Path`)
    auv3: bool = False
    params: dict[str, float] = field(default_factory=dict)

    @classmethod
    def vst2(
        cls, name: str, *, instrument: bool = False, path: str = "", params: dict[str, float] | None = None
    ) -> Plugin:
        return cls(
            "vst2", name, instrument=instrument, path=path or f"C:/VstPlugins/{name}.dll", params=params or {}
        )

    @classmethod
    def vst3(
        cls,
        name: str,
        *,
        instrument: bool = False,
        manufacturer: str = "",
        params: dict[str, float] | None = None,
    ) -> Plugin:
        return cls("vst3", name, manufacturer, instrument, params=params or {})

    @classmethod
    def au(
        cls,
        name: str,
        manufacturer: str,
        *,
        instrument: bool = False,
        auv3: bool = False,
        params: dict[str, float] | None = None,
    ) -> Plugin:
        return cls("au", name, manufacturer, instrument, auv3=auv3, params=params or {})


@dataclass(frozen=True)
class Chain:
    """One chain of a rack (or a drum-rack return chain): a named list of devices."""

    name: str
    devices: Sequence[DeviceSpec] = ()


@dataclass(frozen=True)
class Rack:
    """An Instrument, Audio Effect or MIDI Effect Rack; chains may hold racks (recursive)."""

    kind: RackKind
    chains: Sequence[Chain] = ()
    name: str = ""


@dataclass(frozen=True)
class DrumPad:
    """One drum-rack pad: the MIDI note it receives and its device chain."""

    name: str
    note: int
    devices: Sequence[DeviceSpec] = ()


@dataclass(frozen=True)
class DrumRack:
    """A Drum Rack (DrumGroupDevice) with pads and return chains."""

    pads: Sequence[DrumPad] = ()
    returns: Sequence[Chain] = ()
    name: str = ""


DeviceSpec = Device | Plugin | Rack | DrumRack


@dataclass(frozen=True)
class Track:
    """One track of LiveSet/Tracks: MIDI, audio, group (with `children`) or return.

    `clips` are arrangement clips, `session_clips` fill the session slots in order (None = empty
    slot). Freezing adds FreezeSequencer render clips, which are not the track's own clips.
    """

    kind: TrackKind
    name: str
    devices: Sequence[DeviceSpec] = ()
    clips: Sequence[Clip] = ()
    session_clips: Sequence[Clip | None] = ()
    take_lanes: Sequence[TakeLane] = ()
    automation: Sequence[Envelope] = ()
    children: Sequence[Track] = ()
    color: int = 1
    frozen: bool = False
    user_named: bool = True  # False leaves UserName empty, as for Live's generated "1-Audio" names
    sends: Sequence[float] = ()  # send level per return track; missing ones are off

    @classmethod
    def midi(cls, name: str, **kw: object) -> Track:
        return cls("midi", name, **kw)  # type: ignore[arg-type]

    @classmethod
    def audio(cls, name: str, **kw: object) -> Track:
        return cls("audio", name, **kw)  # type: ignore[arg-type]

    @classmethod
    def group(cls, name: str, children: Sequence[Track], **kw: object) -> Track:
        return cls("group", name, children=children, **kw)  # type: ignore[arg-type]

    @classmethod
    def return_track(cls, name: str, **kw: object) -> Track:
        return cls("return", name, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Locator:
    """An arrangement marker (LiveSet/Locators/Locators/Locator)."""

    time: float
    name: str


@dataclass(frozen=True)
class Scene:
    """A session scene; `tempo` set means the scene launches with that tempo (Live 11+)."""

    name: str = ""
    tempo: float | None = None


@dataclass(frozen=True)
class Key:
    """The set's scale: root pitch class (0 = C ... 9 = A) and scale name ("Minor", "Dorian"...)."""

    root: int
    scale: str = "Major"
    in_key: bool = True


@dataclass(frozen=True)
class Groove:
    """A groove in the GroovePool (its clip is a template, not a real clip)."""

    name: str
    timing: float = 100.0


@dataclass(frozen=True)
class SetSpec:
    """A whole Live Set. `tracks` hold MIDI/audio/group tracks, `returns` the return tracks."""

    live: LiveVersion = "12"
    tempo: float = 120.0
    time_signature: tuple[int, int] = (4, 4)
    tempo_changes: Sequence[tuple[float, float]] = ()  # (beat, bpm) after the start
    time_signature_changes: Sequence[tuple[float, tuple[int, int]]] = ()  # (beat, (num, den))
    tracks: Sequence[Track] = ()
    returns: Sequence[Track] = ()
    master_devices: Sequence[DeviceSpec] = ()
    locators: Sequence[Locator] = ()
    scenes: Sequence[Scene] = field(default_factory=lambda: [Scene() for _ in range(8)])
    key: Key | None = None
    grooves: Sequence[Groove] = ()
    global_groove_amount: float = 100.0
    creator: str | None = None  # overrides the version's default Creator, e.g. "Ableton Live 12.4.5b10"
    minor_version: str | None = None  # overrides the version's default MinorVersion


def flatten_tracks(tracks: Sequence[Track]) -> list[tuple[Track, int]]:
    """(track, index of its group or -1), each group before its children, as Live lists them."""
    flat: list[tuple[Track, int]] = []

    def visit(level: Sequence[Track], parent: int) -> None:
        for track in level:
            flat.append((track, parent))
            visit(track.children, len(flat) - 1)

    visit(tracks, -1)
    return flat

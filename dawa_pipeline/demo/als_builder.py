"""Declarative builder of realistic Ableton Live Sets (.als) for tests, demos and benchmarks.

A `SetSpec` describes what a producer would see in Live (tracks, devices, clips, automation,
locators...); `build_set` writes it with the element paths real Live 10.1-12.x files use
(see /work/shared/als/FORMAT.md), so a parser written against real files reads the result.
Only the elements a reader relies on are written, plus the common view-state siblings that
make the documents look like Live's; no template is copied from real sets.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from lxml import etree

from dawa_pipeline.als.keys import LIVE12_SCALE_NAMES

LiveVersion = Literal["10", "11", "12", "12.1", "12.3"]
Container = Literal["gzip", "xml"]
TrackKind = Literal["midi", "audio", "group", "return"]
RackKind = Literal["instrument", "audio_effect", "midi_effect"]
PluginFormat = Literal["vst2", "vst3", "au"]

DEFAULT_TIME = -63072000
"""Time of the default (initial-value) point Live writes first in every automation envelope."""

_SEND_OFF = 0.0003162277571  # -70 dB, Live's "send off" value
_TEMPO_TARGET_ID = 8  # Mixer/Tempo/AutomationTarget@Id in every real Live 10+ set
_TIME_SIGNATURE_TARGET_ID = 10
_GROOVE_AMOUNT_TARGET_ID = 11
_FIRST_POINTEE_ID = 16000


class BuildError(ValueError):
    """A SetSpec that Live could not have written (e.g. an envelope on a missing parameter)."""


@dataclass(frozen=True)
class _Flavour:
    """What differs between the Live versions the builder writes."""

    creator: str
    minor_version: str
    schema_change_count: int
    main_track_tag: str
    colour_tag: str
    has_take_lanes: bool
    has_scenes: bool  # Scenes/Scene (11+) instead of SceneNames/Scene@Value
    numeric_scale: bool  # ScaleInformation Root + numeric Name (12) vs RootNote + name (10/11)
    track_tag_attributes: bool  # 12.1+: SelectedToolPanel... on track tags
    omit_default_note_attributes: bool  # 12.3+


_FLAVOURS: dict[str, _Flavour] = {
    "10": _Flavour(
        "Ableton Live 10.1.30", "10.0_377", 3, "MasterTrack", "ColorIndex", False, False, False, False, False
    ),
    "11": _Flavour(
        "Ableton Live 11.3.13", "11.0_11300", 3, "MasterTrack", "Color", True, True, False, False, False
    ),
    "12": _Flavour(
        "Ableton Live 12.0.25", "12.0_12049", 5, "MainTrack", "Color", True, True, True, False, False
    ),
    "12.1": _Flavour(
        "Ableton Live 12.1.11", "12.0_12117", 5, "MainTrack", "Color", True, True, True, True, False
    ),
    "12.3": _Flavour(
        "Ableton Live 12.3.2", "12.0_12300", 5, "MainTrack", "Color", True, True, True, True, True
    ),
}


_TRACK_TAGS = {"midi": "MidiTrack", "audio": "AudioTrack", "group": "GroupTrack", "return": "ReturnTrack"}
_RACKS = {  # rack kind -> (device tag, branch tag, chain tag)
    "instrument": ("InstrumentGroupDevice", "InstrumentBranch", "MidiToAudioDeviceChain"),
    "audio_effect": ("AudioEffectGroupDevice", "AudioEffectBranch", "AudioToAudioDeviceChain"),
    "midi_effect": ("MidiEffectGroupDevice", "MidiEffectBranch", "MidiToMidiDeviceChain"),
}


# --------------------------------------------------------------------------- the spec


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


# --------------------------------------------------------------------------- public functions


def encode_time_signature(numerator: int, denominator: int) -> int:
    """Live's time-signature enum: numerator - 1 + 99 * log2(denominator)."""
    if not 1 <= numerator <= 99 or denominator not in (1, 2, 4, 8, 16):
        raise BuildError(f"time signature {numerator}/{denominator} is not one Live can store")
    return numerator - 1 + 99 * (denominator.bit_length() - 1)


def build_set(spec: SetSpec, container: Container = "gzip") -> bytes:
    """The .als bytes for `spec`: gzip (as Live saves) or plain XML; identical specs give identical bytes."""
    xml = _SetWriter(spec).document()
    if container == "xml":
        return xml
    if container == "gzip":
        return gzip.compress(xml, compresslevel=6, mtime=0)
    raise BuildError(f"unknown container {container!r} (expected 'gzip' or 'xml')")


def write_set(spec: SetSpec, path: Path, container: Container = "gzip") -> Path:
    """Write `spec` to `path` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_set(spec, container))
    return path


# --------------------------------------------------------------------------- XML writing


def _fmt(value: object) -> str:
    """A value as Live writes it: true/false, 120 rather than 120.0."""
    if type(value) is str:  # the common case, checked first because builds run in bulk
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _leaf(parent: etree._Element, tag: str, value: object) -> etree._Element:
    return etree.SubElement(parent, tag, Value=_fmt(value))


def _node(parent: etree._Element, tag: str, **attrs: object) -> etree._Element:
    return etree.SubElement(parent, tag, {k: _fmt(v) for k, v in attrs.items()})


def _flatten(tracks: Sequence[Track]) -> list[tuple[Track, int]]:
    """(track, index of its group or -1), each group before its children, as Live lists them."""
    flat: list[tuple[Track, int]] = []

    def visit(level: Sequence[Track], parent: int) -> None:
        for track in level:
            flat.append((track, parent))
            visit(track.children, len(flat) - 1)

    visit(tracks, -1)
    return flat


class _SetWriter:
    """Turns one SetSpec into XML; owns the id counters of one document."""

    def __init__(self, spec: SetSpec) -> None:
        if spec.live not in _FLAVOURS:
            raise BuildError(f"unknown Live version {spec.live!r} (expected one of {sorted(_FLAVOURS)})")
        self.spec = spec
        self.flavour = _FLAVOURS[spec.live]
        self._next_pointee = _FIRST_POINTEE_ID
        self._next_event = 1
        self.slot_count = max([len(spec.scenes), *(len(t.session_clips) for t, _ in _flatten(spec.tracks))])

    def pointee(self) -> int:
        self._next_pointee += 1
        return self._next_pointee

    def event_id(self) -> int:
        self._next_event += 1
        return self._next_event

    # ----------------------------------------------------------------- document

    def document(self) -> bytes:
        spec, flavour = self.spec, self.flavour
        root = etree.Element(
            "Ableton",
            MajorVersion="5",
            MinorVersion=spec.minor_version or flavour.minor_version,
            SchemaChangeCount=str(flavour.schema_change_count),
            Creator=spec.creator or flavour.creator,
            Revision="5ac24cad7c51ea0671d49e6b4885371f15b57c1e",
        )
        live_set = etree.SubElement(root, "LiveSet")
        next_pointee = _leaf(live_set, "NextPointeeId", 0)
        _leaf(live_set, "OverwriteProtectionNumber", 2819)
        _leaf(live_set, "LomId", 0)
        _leaf(live_set, "LomIdView", 0)
        self._tracks(etree.SubElement(live_set, "Tracks"))
        self._main_track(live_set)
        self._prehear_track(live_set)
        sends_pre = etree.SubElement(live_set, "SendsPre")
        for i in range(len(spec.returns)):
            _node(sends_pre, "SendPreBool", Id=i, Value=False)
        self._scenes(live_set)
        self._transport(live_set)
        _leaf(live_set, "GlobalQuantisation", 4)
        _leaf(live_set, "AutoQuantisation", 0)
        self._scale(live_set)
        self._locators(live_set)
        self._groove_pool(live_set)
        _leaf(live_set, "AutomationMode", False)
        _leaf(live_set, "ArrangementOverdub", False)
        suffix = "MainTracks" if flavour.main_track_tag == "MainTrack" else "MasterTracks"
        picker = etree.SubElement(live_set, f"AutoColorPickerForReturnAnd{suffix}")
        _leaf(picker, "NextColorIndex", 11)
        _leaf(live_set, "ViewData", "{}")
        next_pointee.set("Value", str(self._next_pointee + 1))
        etree.indent(root, space="\t")
        body = etree.tostring(root, xml_declaration=False, encoding="UTF-8")
        # Live's own spelling: double-quoted declaration and a space before "/>".
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body.replace(b"/>", b" />") + b"\n"

    def _tracks(self, tracks_el: etree._Element) -> None:
        first_id = len(self.spec.returns) + 8  # return tracks take ids 2, 3, ...
        for position, (track, parent) in enumerate(_flatten(self.spec.tracks)):
            if track.kind == "return":
                raise BuildError(f"return track {track.name!r} belongs in SetSpec.returns")
            if track.children and track.kind != "group":
                raise BuildError(f"only group tracks have children ({track.name!r} is {track.kind})")
            self._track(tracks_el, track, first_id + position, -1 if parent < 0 else first_id + parent)
        for index, track in enumerate(self.spec.returns):
            if track.kind != "return":
                raise BuildError(f"{track.kind} track {track.name!r} is listed among the returns")
            self._track(tracks_el, track, 2 + index, -1)

    # ----------------------------------------------------------------- tracks

    def _track_attributes(self, kind: str) -> dict[str, str]:
        if not self.flavour.track_tag_attributes:
            return {}
        panel = {"midi": "2", "audio": "3"}.get(kind, "7")
        return {"SelectedToolPanel": panel, "SelectedTransformationName": "", "SelectedGeneratorName": ""}

    def _track_header(
        self, el: etree._Element, name: str, user_name: str, color: int, group_id: int
    ) -> etree._Element:
        """The fields every track shares up to its AutomationEnvelopes; returns the Envelopes element."""
        _leaf(el, "LomId", 0)
        _leaf(el, "LomIdView", 0)
        _leaf(el, "IsContentSelectedInDocument", False)
        _leaf(el, "PreferredContentViewMode", 0)
        delay = etree.SubElement(el, "TrackDelay")
        _leaf(delay, "Value", 0)
        _leaf(delay, "IsValueSampleBased", False)
        name_el = etree.SubElement(el, "Name")
        _leaf(name_el, "EffectiveName", name)
        _leaf(name_el, "UserName", user_name)
        _leaf(name_el, "Annotation", "")
        _leaf(name_el, "MemorizedFirstClipName", "")
        _leaf(el, self.flavour.colour_tag, color)
        envelopes = etree.SubElement(etree.SubElement(el, "AutomationEnvelopes"), "Envelopes")
        _leaf(el, "TrackGroupId", group_id)
        _leaf(el, "TrackUnfolded", True)
        _node(el, "DevicesListWrapper", LomId=0)
        _node(el, "ClipSlotsListWrapper", LomId=0)
        _leaf(el, "ViewData", "{}")
        return envelopes

    def _track(self, parent: etree._Element, track: Track, track_id: int, group_id: int) -> None:
        if track.kind in ("group", "return") and (track.clips or track.session_clips or track.take_lanes):
            raise BuildError(f"{track.kind} track {track.name!r} cannot hold clips")
        el = etree.SubElement(
            parent, _TRACK_TAGS[track.kind], Id=str(track_id), **self._track_attributes(track.kind)
        )
        envelopes = self._track_header(
            el, track.name, track.name if track.user_named else "", track.color, group_id
        )
        if self.flavour.has_take_lanes:
            lanes = etree.SubElement(el, "TakeLanes")
            lanes_list = etree.SubElement(lanes, "TakeLanes")
            for index, lane in enumerate(track.take_lanes):
                self._take_lane(lanes_list, lane, index, track)
            _leaf(lanes, "AreTakeLanesFolded", not track.take_lanes)
        elif track.take_lanes:
            raise BuildError(
                f"take lanes need Live 11 or later (track {track.name!r}, Live {self.spec.live})"
            )
        _leaf(el, "LinkedTrackGroupId", -1)
        if track.kind == "group":
            slots = etree.SubElement(el, "Slots")
            for i in range(self.slot_count):
                _leaf(_node(slots, "GroupTrackSlot", Id=i), "LomId", 0)
        if track.kind in ("midi", "audio"):
            _leaf(el, "SavedPlayingSlot", -1)
            _leaf(el, "SavedPlayingOffset", 0)
            _leaf(el, "Freeze", track.frozen)
            _leaf(el, "NeedArrangerRefreeze", not track.frozen)
            _leaf(el, "PostProcessFreezeClips", 0)
        chain = etree.SubElement(el, "DeviceChain")
        self._routing(
            chain, "AudioOut/Main" if self.flavour.main_track_tag == "MainTrack" else "AudioOut/Master"
        )
        mixer_targets = self._mixer(chain, track.sends)
        if track.kind in ("midi", "audio"):
            self._main_sequencer(chain, track)
        devices_chain = etree.SubElement(chain, "DeviceChain")
        devices_el = etree.SubElement(devices_chain, "Devices")
        device_targets = [self._device(devices_el, device, track.name) for device in track.devices]
        etree.SubElement(devices_chain, "SignalModulations")
        self._freeze_sequencer(chain, track)
        for envelope_id, envelope in enumerate(track.automation):
            target = self._resolve_target(envelope, track, mixer_targets, device_targets)
            self._envelope(envelopes, envelope_id, target, envelope.default, envelope.points, "FloatEvent")

    def _resolve_target(
        self,
        envelope: Envelope,
        track: Track,
        mixer_targets: dict[str, int],
        device_targets: list[dict[str, int]],
    ) -> int:
        if envelope.device is None:
            targets = mixer_targets
        else:
            owners = [
                targets
                for device, targets in zip(track.devices, device_targets, strict=True)
                if envelope.device in _device_names(device)
            ]
            if not owners:
                raise BuildError(f"track {track.name!r} has no device {envelope.device!r} to automate")
            targets = owners[0]
        if envelope.param not in targets:
            raise BuildError(
                f"track {track.name!r}: no parameter {envelope.param!r} on "
                f"{envelope.device or 'the mixer'} (has {sorted(targets)})"
            )
        return targets[envelope.param]

    def _envelope(
        self,
        envelopes: etree._Element,
        envelope_id: int,
        target_id: int,
        default: float,
        points: Sequence[tuple[float, float]],
        event_tag: str,
    ) -> None:
        envelope = _node(envelopes, "AutomationEnvelope", Id=envelope_id)
        _leaf(etree.SubElement(envelope, "EnvelopeTarget"), "PointeeId", target_id)
        automation = etree.SubElement(envelope, "Automation")
        events = etree.SubElement(automation, "Events")
        _node(events, event_tag, Id=self.event_id(), Time=DEFAULT_TIME, Value=default)
        for time, value in points:
            _node(events, event_tag, Id=self.event_id(), Time=time, Value=value)
        view = etree.SubElement(automation, "AutomationTransformViewState")
        _leaf(view, "IsTransformPending", False)
        etree.SubElement(view, "TimeAndValueTransforms")

    def _routing(self, chain: etree._Element, audio_out: str) -> None:
        lanes = etree.SubElement(etree.SubElement(chain, "AutomationLanes"), "AutomationLanes")
        lane = _node(lanes, "AutomationLane", Id=0)
        _leaf(lane, "SelectedDevice", 0)
        _leaf(lane, "SelectedEnvelope", 0)
        _leaf(lane, "LaneHeight", 68)
        for tag, target, upper in (
            ("AudioInputRouting", "AudioIn/External/S0", "Ext. In"),
            ("MidiInputRouting", "MidiIn/External.All/-1", "Ext: All Ins"),
            ("AudioOutputRouting", audio_out, "Master"),
            ("MidiOutputRouting", "MidiOut/None", "None"),
        ):
            routing = etree.SubElement(chain, tag)
            _leaf(routing, "Target", target)
            _leaf(routing, "UpperDisplayString", upper)
            _leaf(routing, "LowerDisplayString", "")

    def _parameter(self, parent: etree._Element, tag: str, value: object) -> int:
        """A Live parameter (Manual + AutomationTarget); returns the target id envelopes point at."""
        param = etree.SubElement(parent, tag)
        _leaf(param, "LomId", 0)
        _leaf(param, "Manual", value)
        target_id = self.pointee()
        _leaf(_node(param, "AutomationTarget", Id=target_id), "LockEnvelope", 0)
        return target_id

    def _mixer(self, chain: etree._Element, sends: Sequence[float]) -> dict[str, int]:
        mixer = etree.SubElement(chain, "Mixer")
        self._device_header(mixer, "")
        sends_el = etree.SubElement(mixer, "Sends")
        targets = {"Speaker": self._parameter(mixer, "Speaker", True)}
        for index in range(len(self.spec.returns)):
            holder = _node(sends_el, "TrackSendHolder", Id=index)
            level = sends[index] if index < len(sends) else _SEND_OFF
            targets[f"Send {chr(ord('A') + index)}"] = self._parameter(holder, "Send", level)
            _leaf(holder, "EnabledByUser", True)
        targets["Pan"] = self._parameter(mixer, "Pan", 0)
        targets["Volume"] = self._parameter(mixer, "Volume", 1)
        return targets

    def _clip_slots(self, sequencer: etree._Element, clips: Sequence[Clip | None], kind: str) -> None:
        slot_list = etree.SubElement(sequencer, "ClipSlotList")
        for index in range(self.slot_count):
            slot = _node(slot_list, "ClipSlot", Id=index)
            _leaf(slot, "LomId", 0)
            value = etree.SubElement(etree.SubElement(slot, "ClipSlot"), "Value")
            clip = clips[index] if index < len(clips) else None
            if clip is not None:
                self._clip(value, clip, kind, in_session=True)
            _leaf(slot, "HasStop", True)

    def _main_sequencer(self, chain: etree._Element, track: Track) -> None:
        sequencer = etree.SubElement(chain, "MainSequencer")
        self._device_header(sequencer, "")
        self._clip_slots(sequencer, track.session_clips, track.kind)
        _leaf(sequencer, "MonitoringEnum", 1)
        holder = etree.SubElement(sequencer, "ClipTimeable" if track.kind == "midi" else "Sample")
        events = self._arranger_events(holder)
        for clip in track.clips:
            self._clip(events, clip, track.kind, in_session=False)
        recorder = etree.SubElement(sequencer, "Recorder")
        _leaf(recorder, "IsArmed", False)
        _leaf(recorder, "TakeCounter", 1 + len(track.take_lanes))

    def _arranger_events(self, holder: etree._Element) -> etree._Element:
        automation = etree.SubElement(holder, "ArrangerAutomation")
        events = etree.SubElement(automation, "Events")
        view = etree.SubElement(automation, "AutomationTransformViewState")
        _leaf(view, "IsTransformPending", False)
        etree.SubElement(view, "TimeAndValueTransforms")
        return events

    def _freeze_sequencer(self, chain: etree._Element, track: Track) -> None:
        """Frozen tracks keep their render here as audio clips; they are not the track's clips."""
        sequencer = etree.SubElement(chain, "FreezeSequencer")
        self._device_header(sequencer, "")
        renders = track.frozen and track.kind in ("midi", "audio")

        def render(clip: Clip) -> Clip:
            sample = Sample(
                f"/Users/producer/Music/Projects/Samples/Freeze/Freeze {track.name} {clip.name}.wav",
                f"Samples/Freeze/Freeze {track.name} {clip.name}.wav",
            )
            return Clip(f"Freeze {clip.name}", clip.time, clip.length, sample=sample, color=clip.color)

        if track.kind in ("midi", "audio"):
            session = [render(c) if (renders and c) else None for c in track.session_clips]
            self._clip_slots(sequencer, session, "audio")
        else:
            etree.SubElement(sequencer, "ClipSlotList")
        _leaf(sequencer, "MonitoringEnum", 1)
        events = self._arranger_events(etree.SubElement(sequencer, "Sample"))
        if renders:
            for clip in track.clips:
                self._clip(events, render(clip), "audio", in_session=False)

    def _take_lane(self, lanes: etree._Element, lane: TakeLane, index: int, track: Track) -> None:
        lane_el = _node(lanes, "TakeLane", Id=index)
        _leaf(lane_el, "LomId", 0)
        _leaf(lane_el, "Height", 34)
        _leaf(lane_el, "IsContentSelectedInDocument", False)
        _leaf(lane_el, "Name", lane.name)
        _leaf(lane_el, "Annotation", "")
        clip_automation = etree.SubElement(lane_el, "ClipAutomation")
        events = etree.SubElement(clip_automation, "Events")
        for clip in lane.clips:
            self._clip(events, clip, track.kind, in_session=False)
        view = etree.SubElement(clip_automation, "AutomationTransformViewState")
        _leaf(view, "IsTransformPending", False)
        etree.SubElement(view, "TimeAndValueTransforms")

    # ----------------------------------------------------------------- clips

    def _clip(self, parent: etree._Element, clip: Clip, kind: str, *, in_session: bool) -> None:
        if kind == "midi" and clip.sample is not None:
            raise BuildError(f"MIDI clip {clip.name!r} cannot play a sample")
        if kind == "audio" and clip.sample is None:
            raise BuildError(f"audio clip {clip.name!r} needs a sample")
        if kind == "audio" and clip.notes:
            raise BuildError(f"audio clip {clip.name!r} cannot hold notes")
        el = _node(
            parent, "MidiClip" if kind == "midi" else "AudioClip", Id=0, Time=0 if in_session else clip.time
        )
        _leaf(el, "LomId", 0)
        _leaf(el, "LomIdView", 0)
        start = 0 if in_session else clip.time
        _leaf(el, "CurrentStart", start)
        _leaf(el, "CurrentEnd", start + clip.length)
        loop = etree.SubElement(el, "Loop")
        _leaf(loop, "LoopStart", 0)
        _leaf(loop, "LoopEnd", clip.length)
        _leaf(loop, "StartRelative", 0)
        _leaf(loop, "LoopOn", in_session)
        _leaf(loop, "OutMarker", clip.length)
        _leaf(el, "Name", clip.name)
        _leaf(el, "Annotation", "")
        _leaf(el, "Color", clip.color)
        _leaf(el, "LaunchMode", 0)
        signature = _node(
            etree.SubElement(etree.SubElement(el, "TimeSignature"), "TimeSignatures"),
            "RemoteableTimeSignature",
            Id=0,
        )
        numerator, denominator = self.spec.time_signature
        _leaf(signature, "Numerator", numerator)
        _leaf(signature, "Denominator", denominator)
        _leaf(signature, "Time", 0)
        etree.SubElement(etree.SubElement(el, "Envelopes"), "Envelopes")
        _leaf(el, "Legato", False)
        _leaf(el, "Ram", False)
        groove_id = -1
        if clip.grooved:
            if not self.spec.grooves:
                raise BuildError(f"clip {clip.name!r} is grooved but the set has no groove")
            groove_id = 0
        _leaf(etree.SubElement(el, "GrooveSettings"), "GrooveId", groove_id)
        _leaf(el, "Disabled", False)
        _leaf(el, "VelocityAmount", 0)
        _leaf(el, "IsWarped", True)
        _leaf(el, "TakeId", 1)
        if kind == "midi":
            self._notes(el, clip.notes)
        elif clip.sample is not None:  # always, as checked above
            self._sample_ref(el, clip.sample)
            _leaf(el, "WarpMode", 0)
            _leaf(el, "IsSongTempoMaster", False)

    def _notes(self, clip_el: etree._Element, notes: Sequence[Note]) -> None:
        if self.flavour.numeric_scale:
            _leaf(clip_el, "IsInKey", self.spec.key is not None)
            self._scale_information(clip_el)
        notes_el = etree.SubElement(clip_el, "Notes")
        key_tracks = etree.SubElement(notes_el, "KeyTracks")
        by_pitch: dict[int, list[Note]] = {}
        for note in notes:
            if not 0 <= note.pitch <= 127:
                raise BuildError(f"MIDI note pitch {note.pitch} is outside 0-127")
            by_pitch.setdefault(note.pitch, []).append(note)
        note_id = 0
        for key_index, (pitch, pitch_notes) in enumerate(by_pitch.items()):
            key_track = _node(key_tracks, "KeyTrack", Id=key_index)
            events = etree.SubElement(key_track, "Notes")
            for note in sorted(pitch_notes, key=lambda n: n.time):
                note_id += 1
                self._note(events, note, note_id)
            _leaf(key_track, "MidiKey", pitch)
        etree.SubElement(etree.SubElement(notes_el, "PerNoteEventStore"), "EventLists")
        _leaf(etree.SubElement(notes_el, "NoteIdGenerator"), "NextId", note_id + 1)

    def _note(self, events: etree._Element, note: Note, note_id: int) -> None:
        attrs: dict[str, object] = {"Time": note.time, "Duration": note.duration, "Velocity": note.velocity}
        optional: dict[str, tuple[object, object]] = {
            "VelocityDeviation": (0, 0),
            "OffVelocity": (64, None),  # always written
            "Probability": (1, 1),
            "IsEnabled": (note.enabled, True),
        }
        for name, (value, default) in optional.items():
            if not (self.flavour.omit_default_note_attributes and value == default):
                attrs[name] = value
        attrs["NoteId"] = note_id
        _node(events, "MidiNoteEvent", **attrs)

    def _sample_ref(self, parent: etree._Element, sample: Sample) -> None:
        ref = etree.SubElement(parent, "SampleRef")
        file_ref = etree.SubElement(ref, "FileRef")
        checksum = zlib.crc32(sample.path.encode())
        _leaf(file_ref, "RelativePathType", 3)
        _leaf(file_ref, "RelativePath", sample.relative_path or f"Samples/Imported/{sample.file_name}")
        _leaf(file_ref, "Path", sample.path)
        _leaf(file_ref, "Type", 1)
        _leaf(file_ref, "LivePackName", "")
        _leaf(file_ref, "LivePackId", "")
        _leaf(file_ref, "OriginalFileSize", 44 + sample.duration_frames * 4)
        _leaf(file_ref, "OriginalCrc", checksum & 0xFFFF)
        _leaf(ref, "LastModDate", 1700000000 + checksum % 10_000_000)
        etree.SubElement(ref, "SourceContext")
        _leaf(ref, "SampleUsageHint", 0)
        _leaf(ref, "DefaultDuration", sample.duration_frames)
        _leaf(ref, "DefaultSampleRate", sample.sample_rate)

    # ----------------------------------------------------------------- devices

    def _device_header(self, el: etree._Element, user_name: str) -> int:
        """Fields every Live device (and mixer/sequencer) starts with; returns the On target id."""
        _leaf(el, "LomId", 0)
        _leaf(el, "LomIdView", 0)
        _leaf(el, "IsExpanded", True)
        on_target = self._parameter(el, "On", True)
        _leaf(el, "ModulationSourceCount", 0)
        _node(el, "ParametersListWrapper", LomId=0)
        _node(el, "Pointee", Id=self.pointee())
        _leaf(el, "LastSelectedTimeableIndex", 0)
        _leaf(el, "LastSelectedClipEnvelopeIndex", 0)
        etree.SubElement(etree.SubElement(el, "LastPresetRef"), "Value")
        etree.SubElement(el, "LockedScripts")
        _leaf(el, "IsFolded", False)
        _leaf(el, "ShouldShowPresetName", True)
        _leaf(el, "UserName", user_name)
        _leaf(el, "Annotation", "")
        etree.SubElement(etree.SubElement(el, "SourceContext"), "Value")
        return on_target

    def _device(self, parent: etree._Element, device: DeviceSpec, track_name: str) -> dict[str, int]:
        """Write one device; returns its automatable parameters (name -> AutomationTarget id)."""
        if isinstance(device, Device):
            return self._native(parent, device)
        if isinstance(device, Plugin):
            return self._plugin(parent, device)
        if isinstance(device, Rack):
            return self._rack(parent, device, track_name)
        return self._drum_rack(parent, device, track_name)

    def _native(self, parent: etree._Element, device: Device) -> dict[str, int]:
        el = _node(parent, device.kind, Id=len(parent))
        targets = {"Device On": self._device_header(el, device.name)}
        _leaf(el, "OverwriteProtectionNumber", 2819)
        for name, value in device.params.items():
            targets[name] = self._parameter(el, name, value)
        if device.samples:
            if device.kind not in ("OriginalSimpler", "MultiSampler"):
                raise BuildError(f"{device.kind} cannot hold samples (only OriginalSimpler/MultiSampler)")
            parts = etree.SubElement(
                etree.SubElement(etree.SubElement(el, "Player"), "MultiSampleMap"), "SampleParts"
            )
            for index, sample in enumerate(device.samples):
                part = _node(
                    parts, "MultiSamplePart", Id=index, HasImportedSlicePoints=True, NeedsAnalysisData=False
                )
                _leaf(part, "Name", PurePosixPath(sample.file_name).stem)
                _leaf(part, "RootKey", 60)
                _leaf(part, "SampleStart", 0)
                _leaf(part, "SampleEnd", sample.duration_frames)
                self._sample_ref(part, sample)
        return targets

    def _plugin(self, parent: etree._Element, plugin: Plugin) -> dict[str, int]:
        tag = "AuPluginDevice" if plugin.format == "au" else "PluginDevice"
        el = _node(parent, tag, Id=len(parent))
        targets = {"Device On": self._device_header(el, "")}
        desc = etree.SubElement(el, "PluginDesc")
        if plugin.format == "vst2":
            self._vst2_info(desc, plugin)
        elif plugin.format == "vst3":
            self._vst3_info(desc, plugin)
        else:
            self._au_info(desc, plugin)
        _leaf(el, "MpeEnabled", False)
        params = etree.SubElement(el, "ParameterList")
        for index, (name, value) in enumerate(plugin.params.items()):
            param = _node(params, "PluginFloatParameter", Id=index)
            _leaf(param, "ParameterName", name)
            _leaf(param, "ParameterId", index)
            targets[name] = self._parameter(param, "ParameterValue", value)
        return targets

    def _plugin_info_header(self, info: etree._Element, instrument: bool) -> None:
        _leaf(info, "WinPosX", 80)
        _leaf(info, "WinPosY", 120)
        _leaf(info, "NumAudioInputs", 0 if instrument else 1)
        _leaf(info, "NumAudioOutputs", 1)

    def _preset(self, info: etree._Element, tag: str) -> etree._Element:
        preset = _node(etree.SubElement(info, "Preset"), tag, Id=1)
        _leaf(preset, "OverwriteProtectionNumber", 2819)
        etree.SubElement(preset, "ParameterSettings")
        _leaf(preset, "IsOn", True)
        _leaf(preset, "StoredAllParameters", True)
        return preset

    def _vst2_info(self, desc: etree._Element, plugin: Plugin) -> None:
        info = _node(desc, "VstPluginInfo", Id=0)
        self._plugin_info_header(info, plugin.instrument)
        _leaf(info, "Path", plugin.path)
        _leaf(info, "PlugName", plugin.name)
        _leaf(info, "UniqueId", zlib.crc32(plugin.name.encode()) & 0x7FFFFFFF)
        _leaf(info, "NumberOfParameters", len(plugin.params))
        _leaf(info, "NumberOfPrograms", 1)
        _leaf(info, "Flags", 1285 if plugin.instrument else 1281)
        self._preset(info, "VstPreset")
        _leaf(info, "Version", 1)
        _leaf(info, "VstVersion", 2400)
        _leaf(info, "IsShellClient", False)
        _leaf(info, "Category", 2 if plugin.instrument else 1)

    def _vst3_uid(self, parent: etree._Element, name: str) -> None:
        uid = etree.SubElement(parent, "Uid")
        for index in range(4):
            field_value = zlib.crc32(f"{name}/{index}".encode()) - 2**31
            _leaf(uid, f"Fields.{index}", field_value)

    def _vst3_info(self, desc: etree._Element, plugin: Plugin) -> None:
        info = _node(desc, "Vst3PluginInfo", Id=0)
        self._plugin_info_header(info, plugin.instrument)
        device_type = 1 if plugin.instrument else 2
        preset = self._preset(info, "Vst3Preset")
        self._vst3_uid(preset, plugin.name)
        _leaf(preset, "DeviceType", device_type)
        etree.SubElement(preset, "ProcessorState")
        etree.SubElement(preset, "ControllerState")
        _leaf(preset, "Name", "")  # real files carry an empty preset Name before the plugin's Name
        etree.SubElement(preset, "PresetRef")
        _leaf(info, "Name", plugin.name)
        self._vst3_uid(info, plugin.name)
        _leaf(info, "DeviceType", device_type)

    def _au_info(self, desc: etree._Element, plugin: Plugin) -> None:
        info = _node(desc, "AuPluginInfo", Id=0)
        self._plugin_info_header(info, plugin.instrument)
        _leaf(info, "IsPlaceholderDevice", False)
        _leaf(info, "ComponentType", 1635085685 if plugin.instrument else 1635083896)  # 'aumu' / 'aufx'
        _leaf(info, "ComponentSubType", zlib.crc32(plugin.name.encode()) & 0x7FFFFFFF)
        _leaf(info, "ComponentManufacturer", zlib.crc32(plugin.manufacturer.encode()) & 0x7FFFFFFF)
        _leaf(info, "ComponentFlags", 14 if plugin.auv3 else 2)  # bit 4 marks an AUv3
        _leaf(info, "Name", plugin.name)
        _leaf(info, "Manufacturer", plugin.manufacturer)
        preset = self._preset(info, "AuPreset")
        etree.SubElement(preset, "Buffer")

    def _branch(
        self,
        parent: etree._Element,
        tag: str,
        chain_tag: str,
        index: int,
        name: str,
        devices: Sequence[DeviceSpec],
        track_name: str,
    ) -> etree._Element:
        branch = _node(parent, tag, Id=index)
        _leaf(branch, "LomId", 0)
        name_el = etree.SubElement(branch, "Name")
        _leaf(name_el, "EffectiveName", name)
        _leaf(name_el, "UserName", "")
        _leaf(name_el, "Annotation", "")
        _leaf(branch, "IsSelected", index == 0)
        chain = _node(etree.SubElement(branch, "DeviceChain"), chain_tag, Id=0)
        devices_el = etree.SubElement(chain, "Devices")
        for device in devices:
            self._device(devices_el, device, track_name)
        etree.SubElement(chain, "SignalModulations")
        _leaf(branch, "IsSoloed", False)
        _leaf(branch, "ColorIndex", 141)
        return branch

    def _rack_macros(self, el: etree._Element) -> dict[str, int]:
        return {f"Macro {i + 1}": self._parameter(el, f"MacroControls.{i}", 0) for i in range(8)}

    def _rack(self, parent: etree._Element, rack: Rack, track_name: str) -> dict[str, int]:
        tag, branch_tag, chain_tag = _RACKS[rack.kind]
        el = _node(parent, tag, Id=len(parent))
        targets = {"Device On": self._device_header(el, rack.name)}
        _leaf(el, "OverwriteProtectionNumber", 2819)
        branches = etree.SubElement(el, "Branches")
        for index, chain in enumerate(rack.chains):
            self._branch(branches, branch_tag, chain_tag, index, chain.name, chain.devices, track_name)
        _leaf(el, "IsBranchesListVisible", False)
        return targets | self._rack_macros(el)

    def _drum_rack(self, parent: etree._Element, rack: DrumRack, track_name: str) -> dict[str, int]:
        el = _node(parent, "DrumGroupDevice", Id=len(parent))
        targets = {"Device On": self._device_header(el, rack.name)}
        _leaf(el, "OverwriteProtectionNumber", 2819)
        branches = etree.SubElement(el, "Branches")
        for index, pad in enumerate(rack.pads):
            branch = self._branch(
                branches, "DrumBranch", "MidiToAudioDeviceChain", index, pad.name, pad.devices, track_name
            )
            info = etree.SubElement(branch, "BranchInfo")
            _leaf(info, "ReceivingNote", 128 - pad.note)  # Live stores pads counted down from 128
            _leaf(info, "SendingNote", 60)
            _leaf(info, "ChokeGroup", 0)
        _leaf(el, "IsBranchesListVisible", False)
        _leaf(el, "IsReturnBranchesListVisible", bool(rack.returns))
        targets |= self._rack_macros(el)
        returns = etree.SubElement(el, "ReturnBranches")
        for index, chain in enumerate(rack.returns):
            self._branch(
                returns,
                "ReturnBranch",
                "AudioToAudioDeviceChain",
                index,
                chain.name,
                chain.devices,
                track_name,
            )
        return targets

    # ----------------------------------------------------------------- master, prehear, set-level

    def _main_track(self, live_set: etree._Element) -> None:
        spec = self.spec
        el = etree.SubElement(live_set, self.flavour.main_track_tag, **self._track_attributes("main"))
        envelopes = self._track_header(el, "Main" if spec.live.startswith("12") else "Master", "", 5, -1)
        if self.flavour.has_take_lanes:
            lanes = etree.SubElement(el, "TakeLanes")
            etree.SubElement(lanes, "TakeLanes")
            _leaf(lanes, "AreTakeLanesFolded", True)
        _leaf(el, "LinkedTrackGroupId", -1)
        chain = etree.SubElement(el, "DeviceChain")
        self._routing(chain, "AudioOut/External/S0")
        mixer = etree.SubElement(chain, "Mixer")
        self._device_header(mixer, "")
        etree.SubElement(mixer, "Sends")
        self._parameter(mixer, "Volume", 1)
        signature = encode_time_signature(*spec.time_signature)
        self._fixed_parameter(mixer, "Tempo", spec.tempo, _TEMPO_TARGET_ID)
        self._fixed_parameter(mixer, "TimeSignature", signature, _TIME_SIGNATURE_TARGET_ID)
        self._fixed_parameter(
            mixer, "GlobalGrooveAmount", spec.global_groove_amount, _GROOVE_AMOUNT_TARGET_ID
        )
        _leaf(mixer, "TempoAutomationViewBottom", 60)
        _leaf(mixer, "TempoAutomationViewTop", 200)
        devices_chain = etree.SubElement(chain, "DeviceChain")
        devices_el = etree.SubElement(devices_chain, "Devices")
        for device in spec.master_devices:
            self._device(devices_el, device, "Main")
        etree.SubElement(devices_chain, "SignalModulations")
        changes = [(beat, encode_time_signature(*ts)) for beat, ts in spec.time_signature_changes]
        self._envelope(envelopes, 0, _TIME_SIGNATURE_TARGET_ID, signature, changes, "EnumEvent")
        self._envelope(envelopes, 1, _TEMPO_TARGET_ID, spec.tempo, spec.tempo_changes, "FloatEvent")

    def _fixed_parameter(self, mixer: etree._Element, tag: str, value: object, target_id: int) -> None:
        param = etree.SubElement(mixer, tag)
        _leaf(param, "LomId", 0)
        _leaf(param, "Manual", value)
        _leaf(_node(param, "AutomationTarget", Id=target_id), "LockEnvelope", 0)

    def _prehear_track(self, live_set: etree._Element) -> None:
        el = etree.SubElement(live_set, "PreHearTrack", **self._track_attributes("prehear"))
        self._track_header(el, "Main" if self.spec.live.startswith("12") else "Master", "", -1, -1)
        chain = etree.SubElement(el, "DeviceChain")
        self._routing(chain, "AudioOut/External/S0")
        mixer = etree.SubElement(chain, "Mixer")
        self._device_header(mixer, "")
        self._parameter(mixer, "Volume", 1)
        devices_chain = etree.SubElement(chain, "DeviceChain")
        etree.SubElement(devices_chain, "Devices")

    def _scenes(self, live_set: etree._Element) -> None:
        scenes = list(self.spec.scenes) + [Scene()] * (self.slot_count - len(self.spec.scenes))
        if not self.flavour.has_scenes:
            names = etree.SubElement(live_set, "SceneNames")
            for index, scene in enumerate(scenes):
                scene_el = _node(names, "Scene", Id=index, Value=scene.name)
                _leaf(scene_el, "Annotation", "")
                _leaf(scene_el, "ColorIndex", 0)
            return
        scenes_el = etree.SubElement(live_set, "Scenes")
        for index, scene in enumerate(scenes):
            scene_el = _node(scenes_el, "Scene", Id=index)
            _leaf(scene_el, "Name", scene.name)
            _leaf(scene_el, "Annotation", "")
            _leaf(scene_el, "Color", -1)
            _leaf(scene_el, "Tempo", scene.tempo if scene.tempo is not None else 120)
            _leaf(scene_el, "IsTempoEnabled", scene.tempo is not None)
            _leaf(scene_el, "TimeSignatureId", 201)
            _leaf(scene_el, "IsTimeSignatureEnabled", False)

    def _transport(self, live_set: etree._Element) -> None:
        transport = etree.SubElement(live_set, "Transport")
        _leaf(transport, "PhaseNudgeTempo", 10)
        _leaf(transport, "LoopOn", False)
        _leaf(transport, "LoopStart", 0)
        _leaf(transport, "LoopLength", 16)
        _leaf(transport, "CurrentTime", 0)

    def _scale_information(self, parent: etree._Element) -> None:
        key = self.spec.key or Key(0, "Major", in_key=False)
        scale = etree.SubElement(parent, "ScaleInformation")
        if not 0 <= key.root <= 11:
            raise BuildError(f"key root {key.root} is not a pitch class 0-11")
        if self.flavour.numeric_scale:
            if key.scale not in LIVE12_SCALE_NAMES:
                raise BuildError(f"scale {key.scale!r} is not in Live 12's scale list")
            _leaf(scale, "Root", key.root)
            _leaf(scale, "Name", LIVE12_SCALE_NAMES.index(key.scale))
        else:
            _leaf(scale, "RootNote", key.root)
            _leaf(scale, "Name", key.scale)

    def _scale(self, live_set: etree._Element) -> None:
        self._scale_information(live_set)
        _leaf(live_set, "InKey", self.spec.key is not None and self.spec.key.in_key)

    def _locators(self, live_set: etree._Element) -> None:
        outer = etree.SubElement(live_set, "Locators")
        inner = etree.SubElement(outer, "Locators")
        for index, locator in enumerate(sorted(self.spec.locators, key=lambda loc: loc.time)):
            el = _node(inner, "Locator", Id=index)
            _leaf(el, "LomId", 0)
            _leaf(el, "Time", locator.time)
            _leaf(el, "Name", locator.name)
            _leaf(el, "Annotation", "")
            _leaf(el, "IsSongStart", False)

    def _groove_pool(self, live_set: etree._Element) -> None:
        pool = etree.SubElement(live_set, "GroovePool")
        _leaf(pool, "LomId", 0)
        grooves = etree.SubElement(pool, "Grooves")
        for index, groove in enumerate(self.spec.grooves):
            el = _node(grooves, "Groove", Id=index)
            _leaf(el, "LomId", 0)
            _leaf(el, "Name", groove.name)
            # The groove's template is stored as a MIDI clip; it is not a clip of the set.
            template = [Note(36, step * 0.25 + (0.04 if step % 2 else 0)) for step in range(16)]
            self._clip(
                etree.SubElement(etree.SubElement(el, "Clip"), "Value"),
                Clip(groove.name, length=4, notes=template),
                "midi",
                in_session=True,
            )
            _leaf(el, "Grid", 3)
            _leaf(el, "QuantizationAmount", 0)
            _leaf(el, "TimingAmount", groove.timing)
            _leaf(el, "RandomAmount", 0)
            _leaf(el, "VelocityAmount", 0)


def _device_names(device: DeviceSpec) -> set[str]:
    """Names an Envelope may use to pick `device`."""
    if isinstance(device, Device):
        return {device.kind, device.name} - {""}
    if isinstance(device, Plugin):
        return {device.name}
    kind = "DrumGroupDevice" if isinstance(device, DrumRack) else _RACKS[device.kind][0]
    return {kind, device.name} - {""}

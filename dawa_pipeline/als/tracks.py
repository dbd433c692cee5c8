"""Facts of one materialised track element (any kind, master included). The parser hands each track here
once it has been read completely, then frees it, so nothing here sees more than one track; what the parser
already read and freed while the track streamed (master automation, MIDI notes) comes alongside."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from dawa_pipeline.als import xml_paths as xp
from dawa_pipeline.als.file_refs import FileRefFacts, read_file_ref
from dawa_pipeline.als.keys import ScaleSetting, scale_setting
from dawa_pipeline.als.plugins import PluginIdentity, identify_plugin
from dawa_pipeline.als.xml_paths import Element


@dataclass
class TrackFacts:
    tag: str
    kind: str  # "MIDI" | "Audio" | "Group" | "Return" | "Main"
    id: str | None
    stored_name: str
    group_id: str | None
    color: int | None
    frozen: bool
    has_automation: bool
    session_clips: int = 0
    arrangement_clips: int = 0
    take_lane_clips: int = 0
    devices: int = 0
    native_devices: list[str] = field(default_factory=list)
    plugins: list[PluginIdentity] = field(default_factory=list)
    samples: list[FileRefFacts] = field(default_factory=list)
    midi_note_count: int = 0
    # Duration-weighted pitch classes for the key estimate; zero on drum-rack tracks (pads are not pitches).
    pitch_weights: list[float] = field(default_factory=lambda: [0.0] * 12)
    pitched_notes: int = 0
    # Enabled notes per MIDI pitch on pitched tracks (not drum racks), for the note range.
    pitch_counts: Counter[int] = field(default_factory=Counter)
    clip_names: list[str] = field(default_factory=list)
    drum_pads: list[str] = field(default_factory=list)
    # Id of each track feeding a sidechain input that is switched on, in device order.
    sidechain_source_ids: list[str] = field(default_factory=list)
    clip_scales: list[ScaleSetting] = field(default_factory=list)
    arrangement_spans: list[tuple[float, float]] = field(default_factory=list)


MAX_CHANGE_POINTS = 1000
MAX_CLIP_NAMES = 32  # distinct clip names kept per track: enough to read what a track plays
_SIDECHAIN_TRACK = re.compile(r"^AudioIn/Track\.(\d+)/")
DEFAULT_SIGNATURE = 201  # 4/4, for a mixer without a time-signature parameter

TimedValue = tuple[float, float]  # (time, value); tuples because tempo maps can hold 100k points
# Automation events the walk already read and freed, by their `Events` list element (see parser._Walk).
StreamedEvents = dict[Element, list[TimedValue]]


@dataclass
class NoteTotals:
    """Enabled notes of one key track and their summed duration: all the key estimate needs of them."""

    count: int = 0
    duration: float = 0.0

    def add(self, note_list: Element, first: int) -> None:
        """Add the `first` children of a key track's `Notes` list."""
        self.count += int(xp.COUNT_ENABLED_NOTES(note_list, n=first))
        self.duration += float(xp.SUM_NOTE_DURATIONS(note_list, n=first))


# Notes the walk already read and freed, by their `KeyTrack` element (see parser._Walk).
StreamedNotes = dict[Element, NoteTotals]


@dataclass(frozen=True)
class MasterFacts:
    tempo: float
    time_signature: str
    tempo_events: list[TimedValue]
    time_signature_events: list[TimedValue]
    groove_amount: float | None


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def _stored_name(track: Element) -> str:
    for path in xp.TRACK_NAME_PATHS:
        name = xp.value(track, path)
        if name and name.strip():
            return name.strip()
    return ""


def _sample_scopes(track: Element) -> Iterator[Element]:
    """The track's children, with the freeze sequencer (rendered freeze files) left out."""
    for child in track:
        if child.tag == "DeviceChain":
            yield from (part for part in child if part.tag != xp.FREEZE_SEQUENCER_TAG)
        else:
            yield child


def _span(clip: Element) -> tuple[float, float] | None:
    start = xp.as_float(xp.value(clip, xp.CLIP_START))
    start = xp.as_float(clip.get("Time")) if start is None else start
    end = xp.as_float(xp.value(clip, xp.CLIP_END))
    return None if start is None or end is None else (start, end)


def _read_notes(facts: TrackFacts, clips: list[Element], pitched: bool, streamed: StreamedNotes) -> None:
    for clip in clips:
        if clip.tag != "MidiClip":
            continue
        if xp.as_bool(xp.value(clip, xp.CLIP_IN_KEY)):
            setting = scale_setting(
                xp.first_value(clip, xp.CLIP_SCALE_ROOTS), xp.value(clip, xp.CLIP_SCALE_NAME)
            )
            if setting is not None:
                facts.clip_scales.append(setting)
        for key_track in clip.iter(xp.NOTE_KEY_TRACKS):
            pitch = _int(xp.value(key_track, xp.NOTE_KEY))
            totals = streamed.get(key_track) or NoteTotals()
            note_list = key_track.find(xp.NOTE_LIST)
            if note_list is not None:
                totals.add(note_list, len(note_list))
            facts.midi_note_count += totals.count
            if pitched and pitch is not None:
                facts.pitch_weights[pitch % 12] += totals.duration
                facts.pitched_notes += totals.count
                facts.pitch_counts[pitch] += totals.count


def _clip_names(clips: list[Element]) -> list[str]:
    """Distinct non-empty clip names in order, at most MAX_CLIP_NAMES."""
    names: dict[str, None] = {}
    for clip in clips:
        name = (xp.value(clip, xp.CLIP_NAME) or "").strip()
        if name:
            names.setdefault(name, None)
            if len(names) == MAX_CLIP_NAMES:
                break
    return list(names)


def _read_device_names(facts: TrackFacts, device: Element) -> None:
    """Drum Rack pad names, and the source track of a sidechain input that is switched on."""
    if device.tag == xp.DRUM_RACK_TAG:
        for pad in device.iterfind(xp.DRUM_PADS):
            name = _stored_name(pad)
            if name and name not in facts.drum_pads:
                facts.drum_pads.append(name)
    sidechain = device.find(xp.SIDECHAIN)
    switch = None if sidechain is None else sidechain.find(xp.SIDECHAIN_ON)
    if switch is None or not _switched_on(switch):
        return
    source = _SIDECHAIN_TRACK.match(xp.value(sidechain, xp.SIDECHAIN_SOURCE) or "")
    if source is not None and source.group(1) not in facts.sidechain_source_ids:
        facts.sidechain_source_ids.append(source.group(1))


def _switched_on(param: Element) -> bool:
    """An on/off parameter's set value: `Manual`, or in Live 8 its first inline event."""
    manual = xp.value(param, xp.PARAM_MANUAL)
    if manual is None:
        events = param.find(xp.PARAM_INLINE_EVENTS_LIST)
        manual = None if events is None or not len(events) else events[0].get("Value")
    return xp.as_bool(manual)


def _has_automation(track: Element, streamed: StreamedEvents) -> bool:
    """True when any envelope holds more than Live's default point."""
    if any(time > xp.DEFAULT_EVENT_TIME for events in streamed.values() for time, _ in events):
        return True
    for events in track.iterfind(xp.TRACK_ENVELOPE_EVENTS):
        for event in events:
            time = xp.as_float(event.get("Time"))
            if time is not None and time > xp.DEFAULT_EVENT_TIME:
                return True
    return bool(xp.HAS_INLINE_AUTOMATION(track, default=xp.DEFAULT_EVENT_TIME))


def analyse_track(
    track: Element, kind: str, streamed: StreamedEvents | None = None, notes: StreamedNotes | None = None
) -> TrackFacts:
    """Everything DAWA reads from one track element (`streamed`, `notes`: what the walk already read)."""
    group_id = xp.value(track, xp.TRACK_GROUP_ID)
    facts = TrackFacts(
        tag=track.tag,
        kind=kind,
        id=track.get("Id"),
        stored_name=_stored_name(track),
        group_id=None if group_id in (None, "-1") else group_id,
        color=_int(xp.first_value(track, xp.TRACK_COLOR_PATHS)),
        frozen=xp.as_bool(xp.value(track, xp.TRACK_FROZEN)),
        has_automation=_has_automation(track, streamed or {}),
    )
    devices = xp.ALL_DEVICES(track)
    facts.devices = len(devices)
    for device in devices:
        if device.tag in xp.PLUGIN_DEVICE_TAGS:
            plugin = identify_plugin(device)
            if plugin is not None:
                facts.plugins.append(plugin)
        else:
            facts.native_devices.append(device.tag)
            _read_device_names(facts, device)
    for scope in _sample_scopes(track):
        for sample_ref in scope.iter("SampleRef"):
            file_ref = sample_ref.find("FileRef")
            ref = None if file_ref is None else read_file_ref(file_ref)
            if ref is not None:
                facts.samples.append(ref)

    sequencer = track.find(xp.MAIN_SEQUENCER)
    session = [] if sequencer is None else sequencer.findall(xp.SESSION_CLIPS)
    arrangement = [] if sequencer is None else [c for p in xp.ARRANGEMENT_CLIPS for c in sequencer.findall(p)]
    takes = track.findall(xp.TAKE_LANE_CLIPS)
    facts.session_clips, facts.arrangement_clips, facts.take_lane_clips = (
        len(session),
        len(arrangement),
        len(takes),
    )
    facts.arrangement_spans = sorted(span for clip in arrangement if (span := _span(clip)) is not None)
    facts.clip_names = _clip_names(session + arrangement + takes)
    if kind == "MIDI":
        _read_notes(
            facts,
            session + arrangement + takes,
            pitched=xp.DRUM_RACK_TAG not in facts.native_devices,
            streamed=notes or {},
        )
    return facts


def _param_event_list(master: Element, param: Element) -> Element | None:
    """The `Events` list holding a master parameter's arrangement changes: the track envelope whose PointeeId
    is the parameter's AutomationTarget (Live 10+), else the parameter's inline events (Live 8/9)."""
    target = param.find(xp.PARAM_TARGET)
    target_id = None if target is None else target.get("Id")
    if target_id is not None:
        for envelope in master.iterfind(xp.TRACK_ENVELOPES):
            if xp.value(envelope, xp.ENVELOPE_POINTEE) == target_id:
                return envelope.find(xp.ENVELOPE_EVENTS_LIST)
    return param.find(xp.PARAM_INLINE_EVENTS_LIST)


def _param_events(master: Element, param: Element, streamed: StreamedEvents) -> list[TimedValue]:
    """A parameter's change points in beat order; Live's default point at -63072000 is the value at beat 0.
    Drawn curves can hold 100k points: beyond MAX_CHANGE_POINTS they are thinned evenly (first and
    last kept), so the summary stays small."""
    event_list = _param_event_list(master, param)
    if event_list is None:
        return []
    events = streamed.get(event_list)
    if events is None:
        events = [read_event(event) for event in event_list]
    if len(events) > MAX_CHANGE_POINTS:
        events = [*events[:: math.ceil(len(events) / MAX_CHANGE_POINTS)], events[-1]]
    timed = sorted((0.0 if time <= xp.DEFAULT_EVENT_TIME else time, value) for time, value in events)
    # Live 8 stores both the default point and a point at beat 0 with the same value: one change, not two.
    return [event for index, event in enumerate(timed) if index == 0 or event != timed[index - 1]]


def read_event(event: Element) -> TimedValue:
    """(Time, Value) of an automation event; NaN where a value is not a number (BoolEvent)."""
    return _number(event.get("Time")), _number(event.get("Value"))


def _number(text: str | None) -> float:
    try:
        return float(text) if text is not None else math.nan
    except ValueError:
        return math.nan


def _initial(param: Element, streamed: StreamedEvents) -> float | None:
    """The parameter's set value: `Manual`, or in Live 8 the first inline event."""
    manual = xp.as_float(xp.value(param, xp.PARAM_MANUAL))
    if manual is not None:
        return manual
    inline = param.find(xp.PARAM_INLINE_EVENTS_LIST)
    if inline is None:
        return None
    events = streamed.get(inline) or [read_event(event) for event in inline[:1]]
    return events[0][1] if events and not math.isnan(events[0][1]) else None


def read_master(master: Element, streamed: StreamedEvents | None = None) -> MasterFacts | None:
    """Tempo, time signature, their changes and the global groove amount; None without a mixer tempo."""
    streamed = streamed or {}
    mixer = xp.first_element(master, xp.MASTER_MIXER_PATHS)
    tempo_param = None if mixer is None else mixer.find(xp.MIXER_TEMPO)
    if mixer is None or tempo_param is None:
        return None
    tempo = _initial(tempo_param, streamed)
    if tempo is None:
        return None
    signature_param = mixer.find(xp.MIXER_TIME_SIGNATURE)
    signature = None if signature_param is None else _initial(signature_param, streamed)
    groove_param = mixer.find(xp.MIXER_GROOVE_AMOUNT)
    signature_events = [] if signature_param is None else _param_events(master, signature_param, streamed)
    return MasterFacts(
        tempo=tempo,
        time_signature=xp.decode_time_signature(
            int(signature) if signature is not None else DEFAULT_SIGNATURE
        ),
        tempo_events=_param_events(master, tempo_param, streamed),
        time_signature_events=signature_events,
        groove_amount=None if groove_param is None else _initial(groove_param, streamed),
    )

"""Tracks as Live writes them: MIDI, audio, group and return tracks with their mixer, sequencers, take
lanes and automation envelopes, plus the main and pre-hear tracks every set has."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from dawa_pipeline.demo.live_set.clips import write_clip
from dawa_pipeline.demo.live_set.devices import device_header, device_names, write_device
from dawa_pipeline.demo.live_set.spec import (
    BuildError,
    Clip,
    Envelope,
    Sample,
    TakeLane,
    Track,
    flatten_tracks,
)
from dawa_pipeline.demo.live_set.xml_writer import Document, encode_time_signature, leaf, node

DEFAULT_TIME = -63072000
"""Time of the default (initial-value) point Live writes first in every automation envelope."""

SEND_OFF = 0.0003162277571  # -70 dB, Live's "send off" value
TEMPO_TARGET_ID = 8  # Mixer/Tempo/AutomationTarget@Id in every real Live 10+ set
TIME_SIGNATURE_TARGET_ID = 10
GROOVE_AMOUNT_TARGET_ID = 11
TRACK_TAGS = {"midi": "MidiTrack", "audio": "AudioTrack", "group": "GroupTrack", "return": "ReturnTrack"}


def write_tracks(doc: Document, tracks_el: etree._Element) -> None:
    first_id = len(doc.spec.returns) + 8  # return tracks take ids 2, 3, ...
    for position, (track, parent) in enumerate(flatten_tracks(doc.spec.tracks)):
        if track.kind == "return":
            raise BuildError(f"return track {track.name!r} belongs in SetSpec.returns")
        if track.children and track.kind != "group":
            raise BuildError(f"only group tracks have children ({track.name!r} is {track.kind})")
        _track(doc, tracks_el, track, first_id + position, -1 if parent < 0 else first_id + parent)
    for index, track in enumerate(doc.spec.returns):
        if track.kind != "return":
            raise BuildError(f"{track.kind} track {track.name!r} is listed among the returns")
        _track(doc, tracks_el, track, 2 + index, -1)


def _track_attributes(doc: Document, kind: str) -> dict[str, str]:
    if not doc.flavour.track_tag_attributes:
        return {}
    panel = {"midi": "2", "audio": "3"}.get(kind, "7")
    return {"SelectedToolPanel": panel, "SelectedTransformationName": "", "SelectedGeneratorName": ""}


def _track_header(
    doc: Document, el: etree._Element, name: str, user_name: str, color: int, group_id: int
) -> etree._Element:
    """The fields every track shares up to its AutomationEnvelopes; returns the Envelopes element."""
    leaf(el, "LomId", 0)
    leaf(el, "LomIdView", 0)
    leaf(el, "IsContentSelectedInDocument", False)
    leaf(el, "PreferredContentViewMode", 0)
    delay = etree.SubElement(el, "TrackDelay")
    leaf(delay, "Value", 0)
    leaf(delay, "IsValueSampleBased", False)
    name_el = etree.SubElement(el, "Name")
    leaf(name_el, "EffectiveName", name)
    leaf(name_el, "UserName", user_name)
    leaf(name_el, "Annotation", "")
    leaf(name_el, "MemorizedFirstClipName", "")
    leaf(el, doc.flavour.colour_tag, color)
    envelopes = etree.SubElement(etree.SubElement(el, "AutomationEnvelopes"), "Envelopes")
    leaf(el, "TrackGroupId", group_id)
    leaf(el, "TrackUnfolded", True)
    node(el, "DevicesListWrapper", LomId=0)
    node(el, "ClipSlotsListWrapper", LomId=0)
    leaf(el, "ViewData", "{}")
    return envelopes


def _track(doc: Document, parent: etree._Element, track: Track, track_id: int, group_id: int) -> None:
    if track.kind in ("group", "return") and (track.clips or track.session_clips or track.take_lanes):
        raise BuildError(f"{track.kind} track {track.name!r} cannot hold clips")
    el = etree.SubElement(
        parent, TRACK_TAGS[track.kind], Id=str(track_id), **_track_attributes(doc, track.kind)
    )
    envelopes = _track_header(
        doc, el, track.name, track.name if track.user_named else "", track.color, group_id
    )
    if doc.flavour.has_take_lanes:
        lanes = etree.SubElement(el, "TakeLanes")
        lanes_list = etree.SubElement(lanes, "TakeLanes")
        for index, lane in enumerate(track.take_lanes):
            _take_lane(doc, lanes_list, lane, index, track)
        leaf(lanes, "AreTakeLanesFolded", not track.take_lanes)
    elif track.take_lanes:
        raise BuildError(f"take lanes need Live 11 or later (track {track.name!r}, Live {doc.spec.live})")
    leaf(el, "LinkedTrackGroupId", -1)
    if track.kind == "group":
        slots = etree.SubElement(el, "Slots")
        for i in range(doc.slot_count):
            leaf(node(slots, "GroupTrackSlot", Id=i), "LomId", 0)
    if track.kind in ("midi", "audio"):
        leaf(el, "SavedPlayingSlot", -1)
        leaf(el, "SavedPlayingOffset", 0)
        leaf(el, "Freeze", track.frozen)
        leaf(el, "NeedArrangerRefreeze", not track.frozen)
        leaf(el, "PostProcessFreezeClips", 0)
    chain = etree.SubElement(el, "DeviceChain")
    write_routing(chain, "AudioOut/Main" if doc.flavour.main_track_tag == "MainTrack" else "AudioOut/Master")
    mixer_targets = _mixer(doc, chain, track.sends)
    if track.kind in ("midi", "audio"):
        _main_sequencer(doc, chain, track)
    devices_chain = etree.SubElement(chain, "DeviceChain")
    devices_el = etree.SubElement(devices_chain, "Devices")
    device_targets = [write_device(doc, devices_el, device, track.name) for device in track.devices]
    etree.SubElement(devices_chain, "SignalModulations")
    _freeze_sequencer(doc, chain, track)
    for envelope_id, envelope in enumerate(track.automation):
        target = _resolve_target(doc, envelope, track, mixer_targets, device_targets)
        write_envelope(doc, envelopes, envelope_id, target, envelope.default, envelope.points, "FloatEvent")


def _resolve_target(
    doc: Document,
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
            if envelope.device in device_names(device)
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


def write_envelope(
    doc: Document,
    envelopes: etree._Element,
    envelope_id: int,
    target_id: int,
    default: float,
    points: Sequence[tuple[float, float]],
    event_tag: str,
) -> None:
    envelope = node(envelopes, "AutomationEnvelope", Id=envelope_id)
    leaf(etree.SubElement(envelope, "EnvelopeTarget"), "PointeeId", target_id)
    automation = etree.SubElement(envelope, "Automation")
    events = etree.SubElement(automation, "Events")
    node(events, event_tag, Id=doc.event_id(), Time=DEFAULT_TIME, Value=default)
    for time, value in points:
        node(events, event_tag, Id=doc.event_id(), Time=time, Value=value)
    view = etree.SubElement(automation, "AutomationTransformViewState")
    leaf(view, "IsTransformPending", False)
    etree.SubElement(view, "TimeAndValueTransforms")


def write_routing(chain: etree._Element, audio_out: str) -> None:
    lanes = etree.SubElement(etree.SubElement(chain, "AutomationLanes"), "AutomationLanes")
    lane = node(lanes, "AutomationLane", Id=0)
    leaf(lane, "SelectedDevice", 0)
    leaf(lane, "SelectedEnvelope", 0)
    leaf(lane, "LaneHeight", 68)
    for tag, target, upper in (
        ("AudioInputRouting", "AudioIn/External/S0", "Ext. In"),
        ("MidiInputRouting", "MidiIn/External.All/-1", "Ext: All Ins"),
        ("AudioOutputRouting", audio_out, "Master"),
        ("MidiOutputRouting", "MidiOut/None", "None"),
    ):
        routing = etree.SubElement(chain, tag)
        leaf(routing, "Target", target)
        leaf(routing, "UpperDisplayString", upper)
        leaf(routing, "LowerDisplayString", "")


def _mixer(doc: Document, chain: etree._Element, sends: Sequence[float]) -> dict[str, int]:
    mixer = etree.SubElement(chain, "Mixer")
    device_header(doc, mixer, "")
    sends_el = etree.SubElement(mixer, "Sends")
    targets = {"Speaker": doc.parameter(mixer, "Speaker", True)}
    for index in range(len(doc.spec.returns)):
        holder = node(sends_el, "TrackSendHolder", Id=index)
        level = sends[index] if index < len(sends) else SEND_OFF
        targets[f"Send {chr(ord('A') + index)}"] = doc.parameter(holder, "Send", level)
        leaf(holder, "EnabledByUser", True)
    targets["Pan"] = doc.parameter(mixer, "Pan", 0)
    targets["Volume"] = doc.parameter(mixer, "Volume", 1)
    return targets


def _clip_slots(doc: Document, sequencer: etree._Element, clips: Sequence[Clip | None], kind: str) -> None:
    slot_list = etree.SubElement(sequencer, "ClipSlotList")
    for index in range(doc.slot_count):
        slot = node(slot_list, "ClipSlot", Id=index)
        leaf(slot, "LomId", 0)
        value = etree.SubElement(etree.SubElement(slot, "ClipSlot"), "Value")
        clip = clips[index] if index < len(clips) else None
        if clip is not None:
            write_clip(doc, value, clip, kind, in_session=True)
        leaf(slot, "HasStop", True)


def _main_sequencer(doc: Document, chain: etree._Element, track: Track) -> None:
    sequencer = etree.SubElement(chain, "MainSequencer")
    device_header(doc, sequencer, "")
    _clip_slots(doc, sequencer, track.session_clips, track.kind)
    leaf(sequencer, "MonitoringEnum", 1)
    holder = etree.SubElement(sequencer, "ClipTimeable" if track.kind == "midi" else "Sample")
    events = _arranger_events(holder)
    for clip in track.clips:
        write_clip(doc, events, clip, track.kind, in_session=False)
    recorder = etree.SubElement(sequencer, "Recorder")
    leaf(recorder, "IsArmed", False)
    leaf(recorder, "TakeCounter", 1 + len(track.take_lanes))


def _arranger_events(holder: etree._Element) -> etree._Element:
    automation = etree.SubElement(holder, "ArrangerAutomation")
    events = etree.SubElement(automation, "Events")
    view = etree.SubElement(automation, "AutomationTransformViewState")
    leaf(view, "IsTransformPending", False)
    etree.SubElement(view, "TimeAndValueTransforms")
    return events


def _freeze_sequencer(doc: Document, chain: etree._Element, track: Track) -> None:
    """Frozen tracks keep their render here as audio clips; they are not the track's clips."""
    sequencer = etree.SubElement(chain, "FreezeSequencer")
    device_header(doc, sequencer, "")
    renders = track.frozen and track.kind in ("midi", "audio")

    def render(clip: Clip) -> Clip:
        sample = Sample(
            f"/Users/producer/Music/Projects/Samples/Freeze/Freeze {track.name} {clip.name}.wav",
            f"Samples/Freeze/Freeze {track.name} {clip.name}.wav",
        )
        return Clip(f"Freeze {clip.name}", clip.time, clip.length, sample=sample, color=clip.color)

    if track.kind in ("midi", "audio"):
        session = [render(c) if (renders and c) else None for c in track.session_clips]
        _clip_slots(doc, sequencer, session, "audio")
    else:
        etree.SubElement(sequencer, "ClipSlotList")
    leaf(sequencer, "MonitoringEnum", 1)
    events = _arranger_events(etree.SubElement(sequencer, "Sample"))
    if renders:
        for clip in track.clips:
            write_clip(doc, events, render(clip), "audio", in_session=False)


def _take_lane(doc: Document, lanes: etree._Element, lane: TakeLane, index: int, track: Track) -> None:
    lane_el = node(lanes, "TakeLane", Id=index)
    leaf(lane_el, "LomId", 0)
    leaf(lane_el, "Height", 34)
    leaf(lane_el, "IsContentSelectedInDocument", False)
    leaf(lane_el, "Name", lane.name)
    leaf(lane_el, "Annotation", "")
    clip_automation = etree.SubElement(lane_el, "ClipAutomation")
    events = etree.SubElement(clip_automation, "Events")
    for clip in lane.clips:
        write_clip(doc, events, clip, track.kind, in_session=False)
    view = etree.SubElement(clip_automation, "AutomationTransformViewState")
    leaf(view, "IsTransformPending", False)
    etree.SubElement(view, "TimeAndValueTransforms")


def write_main_track(doc: Document, live_set: etree._Element) -> None:
    spec = doc.spec
    el = etree.SubElement(live_set, doc.flavour.main_track_tag, **_track_attributes(doc, "main"))
    envelopes = _track_header(doc, el, "Main" if spec.live.startswith("12") else "Master", "", 5, -1)
    if doc.flavour.has_take_lanes:
        lanes = etree.SubElement(el, "TakeLanes")
        etree.SubElement(lanes, "TakeLanes")
        leaf(lanes, "AreTakeLanesFolded", True)
    leaf(el, "LinkedTrackGroupId", -1)
    chain = etree.SubElement(el, "DeviceChain")
    write_routing(chain, "AudioOut/External/S0")
    mixer = etree.SubElement(chain, "Mixer")
    device_header(doc, mixer, "")
    etree.SubElement(mixer, "Sends")
    doc.parameter(mixer, "Volume", 1)
    signature = encode_time_signature(*spec.time_signature)
    _fixed_parameter(mixer, "Tempo", spec.tempo, TEMPO_TARGET_ID)
    _fixed_parameter(mixer, "TimeSignature", signature, TIME_SIGNATURE_TARGET_ID)
    _fixed_parameter(mixer, "GlobalGrooveAmount", spec.global_groove_amount, GROOVE_AMOUNT_TARGET_ID)
    leaf(mixer, "TempoAutomationViewBottom", 60)
    leaf(mixer, "TempoAutomationViewTop", 200)
    devices_chain = etree.SubElement(chain, "DeviceChain")
    devices_el = etree.SubElement(devices_chain, "Devices")
    for device in spec.master_devices:
        write_device(doc, devices_el, device, "Main")
    etree.SubElement(devices_chain, "SignalModulations")
    changes = [(beat, encode_time_signature(*ts)) for beat, ts in spec.time_signature_changes]
    write_envelope(doc, envelopes, 0, TIME_SIGNATURE_TARGET_ID, signature, changes, "EnumEvent")
    write_envelope(doc, envelopes, 1, TEMPO_TARGET_ID, spec.tempo, spec.tempo_changes, "FloatEvent")


def _fixed_parameter(mixer: etree._Element, tag: str, value: object, target_id: int) -> None:
    param = etree.SubElement(mixer, tag)
    leaf(param, "LomId", 0)
    leaf(param, "Manual", value)
    leaf(node(param, "AutomationTarget", Id=target_id), "LockEnvelope", 0)


def write_prehear_track(doc: Document, live_set: etree._Element) -> None:
    el = etree.SubElement(live_set, "PreHearTrack", **_track_attributes(doc, "prehear"))
    _track_header(doc, el, "Main" if doc.spec.live.startswith("12") else "Master", "", -1, -1)
    chain = etree.SubElement(el, "DeviceChain")
    write_routing(chain, "AudioOut/External/S0")
    mixer = etree.SubElement(chain, "Mixer")
    device_header(doc, mixer, "")
    doc.parameter(mixer, "Volume", 1)
    devices_chain = etree.SubElement(chain, "DeviceChain")
    etree.SubElement(devices_chain, "Devices")

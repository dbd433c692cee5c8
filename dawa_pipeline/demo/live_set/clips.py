"""Clips as Live writes them: MIDI clips with their notes, audio clips with their sample reference, and the
scale information Live 12 stores both on the set and on each MIDI clip."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from lxml import etree

from dawa_pipeline.als.keys import LIVE12_SCALE_NAMES
from dawa_pipeline.demo.live_set.spec import BuildError, Clip, Key, Note, Sample
from dawa_pipeline.demo.live_set.xml_writer import Document, leaf, node


def write_clip(doc: Document, parent: etree._Element, clip: Clip, kind: str, *, in_session: bool) -> None:
    if kind == "midi" and clip.sample is not None:
        raise BuildError(f"MIDI clip {clip.name!r} cannot play a sample")
    if kind == "audio" and clip.sample is None:
        raise BuildError(f"audio clip {clip.name!r} needs a sample")
    if kind == "audio" and clip.notes:
        raise BuildError(f"audio clip {clip.name!r} cannot hold notes")
    el = node(
        parent, "MidiClip" if kind == "midi" else "AudioClip", Id=0, Time=0 if in_session else clip.time
    )
    leaf(el, "LomId", 0)
    leaf(el, "LomIdView", 0)
    start = 0 if in_session else clip.time
    leaf(el, "CurrentStart", start)
    leaf(el, "CurrentEnd", start + clip.length)
    loop = etree.SubElement(el, "Loop")
    leaf(loop, "LoopStart", 0)
    leaf(loop, "LoopEnd", clip.length)
    leaf(loop, "StartRelative", 0)
    leaf(loop, "LoopOn", in_session)
    leaf(loop, "OutMarker", clip.length)
    leaf(el, "Name", clip.name)
    leaf(el, "Annotation", "")
    leaf(el, "Color", clip.color)
    leaf(el, "LaunchMode", 0)
    signature = node(
        etree.SubElement(etree.SubElement(el, "TimeSignature"), "TimeSignatures"),
        "RemoteableTimeSignature",
        Id=0,
    )
    numerator, denominator = doc.spec.time_signature
    leaf(signature, "Numerator", numerator)
    leaf(signature, "Denominator", denominator)
    leaf(signature, "Time", 0)
    etree.SubElement(etree.SubElement(el, "Envelopes"), "Envelopes")
    leaf(el, "Legato", False)
    leaf(el, "Ram", False)
    groove_id = -1
    if clip.grooved:
        if not doc.spec.grooves:
            raise BuildError(f"clip {clip.name!r} is grooved but the set has no groove")
        groove_id = 0
    leaf(etree.SubElement(el, "GrooveSettings"), "GrooveId", groove_id)
    leaf(el, "Disabled", False)
    leaf(el, "VelocityAmount", 0)
    leaf(el, "IsWarped", True)
    leaf(el, "TakeId", 1)
    if kind == "midi":
        _notes(doc, el, clip.notes)
    elif clip.sample is not None:  # always, as checked above
        sample_ref(el, clip.sample)
        leaf(el, "WarpMode", 0)
        leaf(el, "IsSongTempoMaster", False)


def _notes(doc: Document, clip_el: etree._Element, notes: Sequence[Note]) -> None:
    if doc.flavour.numeric_scale:
        leaf(clip_el, "IsInKey", doc.spec.key is not None)
        scale_information(doc, clip_el)
    notes_el = etree.SubElement(clip_el, "Notes")
    key_tracks = etree.SubElement(notes_el, "KeyTracks")
    by_pitch: dict[int, list[Note]] = {}
    for note in notes:
        if not 0 <= note.pitch <= 127:
            raise BuildError(f"MIDI note pitch {note.pitch} is outside 0-127")
        by_pitch.setdefault(note.pitch, []).append(note)
    note_id = 0
    for key_index, (pitch, pitch_notes) in enumerate(by_pitch.items()):
        key_track = node(key_tracks, "KeyTrack", Id=key_index)
        events = etree.SubElement(key_track, "Notes")
        for note in sorted(pitch_notes, key=lambda n: n.time):
            note_id += 1
            _note(doc, events, note, note_id)
        leaf(key_track, "MidiKey", pitch)
    etree.SubElement(etree.SubElement(notes_el, "PerNoteEventStore"), "EventLists")
    leaf(etree.SubElement(notes_el, "NoteIdGenerator"), "NextId", note_id + 1)


def _note(doc: Document, events: etree._Element, note: Note, note_id: int) -> None:
    attrs: dict[str, object] = {"Time": note.time, "Duration": note.duration, "Velocity": note.velocity}
    optional: dict[str, tuple[object, object]] = {
        "VelocityDeviation": (0, 0),
        "OffVelocity": (64, None),  # always written
        "Probability": (1, 1),
        "IsEnabled": (note.enabled, True),
    }
    for name, (value, default) in optional.items():
        if not (doc.flavour.omit_default_note_attributes and value == default):
            attrs[name] = value
    attrs["NoteId"] = note_id
    node(events, "MidiNoteEvent", **attrs)


def sample_ref(parent: etree._Element, sample: Sample) -> None:
    ref = etree.SubElement(parent, "SampleRef")
    file_ref = etree.SubElement(ref, "FileRef")
    checksum = zlib.crc32(sample.path.encode())
    leaf(file_ref, "RelativePathType", 3)
    leaf(file_ref, "RelativePath", sample.relative_path or f"Samples/Imported/{sample.file_name}")
    leaf(file_ref, "Path", sample.path)
    leaf(file_ref, "Type", 1)
    leaf(file_ref, "LivePackName", "")
    leaf(file_ref, "LivePackId", "")
    leaf(file_ref, "OriginalFileSize", 44 + sample.duration_frames * 4)
    leaf(file_ref, "OriginalCrc", checksum & 0xFFFF)
    leaf(ref, "LastModDate", 1700000000 + checksum % 10_000_000)
    etree.SubElement(ref, "SourceContext")
    leaf(ref, "SampleUsageHint", 0)
    leaf(ref, "DefaultDuration", sample.duration_frames)
    leaf(ref, "DefaultSampleRate", sample.sample_rate)


def scale_information(doc: Document, parent: etree._Element) -> None:
    key = doc.spec.key or Key(0, "Major", in_key=False)
    scale = etree.SubElement(parent, "ScaleInformation")
    if not 0 <= key.root <= 11:
        raise BuildError(f"key root {key.root} is not a pitch class 0-11")
    if doc.flavour.numeric_scale:
        if key.scale not in LIVE12_SCALE_NAMES:
            raise BuildError(f"scale {key.scale!r} is not in Live 12's scale list")
        leaf(scale, "Root", key.root)
        leaf(scale, "Name", LIVE12_SCALE_NAMES.index(key.scale))
    else:
        leaf(scale, "RootNote", key.root)
        leaf(scale, "Name", key.scale)

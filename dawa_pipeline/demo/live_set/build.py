"""The builder's entry points and the LiveSet document: set-level elements (scenes, transport, scale,
locators, groove pool) around the tracks written by `tracks`."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Literal

from lxml import etree

from dawa_pipeline.demo.live_set.clips import scale_information, write_clip
from dawa_pipeline.demo.live_set.spec import BuildError, Clip, Note, Scene, SetSpec
from dawa_pipeline.demo.live_set.tracks import write_main_track, write_prehear_track, write_tracks
from dawa_pipeline.demo.live_set.xml_writer import Document, leaf, node, serialize

Container = Literal["gzip", "xml"]


def build_set(spec: SetSpec, container: Container = "gzip") -> bytes:
    """The .als bytes for `spec`: gzip (as Live saves) or plain XML; identical specs give identical bytes."""
    xml = _document(Document(spec))
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


def _document(doc: Document) -> bytes:
    spec, flavour = doc.spec, doc.flavour
    root = etree.Element(
        "Ableton",
        MajorVersion="5",
        MinorVersion=spec.minor_version or flavour.minor_version,
        SchemaChangeCount=str(flavour.schema_change_count),
        Creator=spec.creator or flavour.creator,
        Revision="5ac24cad7c51ea0671d49e6b4885371f15b57c1e",
    )
    live_set = etree.SubElement(root, "LiveSet")
    next_pointee = leaf(live_set, "NextPointeeId", 0)
    leaf(live_set, "OverwriteProtectionNumber", 2819)
    leaf(live_set, "LomId", 0)
    leaf(live_set, "LomIdView", 0)
    write_tracks(doc, etree.SubElement(live_set, "Tracks"))
    write_main_track(doc, live_set)
    write_prehear_track(doc, live_set)
    sends_pre = etree.SubElement(live_set, "SendsPre")
    for i in range(len(spec.returns)):
        node(sends_pre, "SendPreBool", Id=i, Value=False)
    _scenes(doc, live_set)
    _transport(live_set)
    leaf(live_set, "GlobalQuantisation", 4)
    leaf(live_set, "AutoQuantisation", 0)
    _scale(doc, live_set)
    _locators(doc, live_set)
    _groove_pool(doc, live_set)
    leaf(live_set, "AutomationMode", False)
    leaf(live_set, "ArrangementOverdub", False)
    suffix = "MainTracks" if flavour.main_track_tag == "MainTrack" else "MasterTracks"
    picker = etree.SubElement(live_set, f"AutoColorPickerForReturnAnd{suffix}")
    leaf(picker, "NextColorIndex", 11)
    leaf(live_set, "ViewData", "{}")
    next_pointee.set("Value", str(doc.last_pointee + 1))
    return serialize(root)


def _scenes(doc: Document, live_set: etree._Element) -> None:
    scenes = list(doc.spec.scenes) + [Scene()] * (doc.slot_count - len(doc.spec.scenes))
    if not doc.flavour.has_scenes:
        names = etree.SubElement(live_set, "SceneNames")
        for index, scene in enumerate(scenes):
            scene_el = node(names, "Scene", Id=index, Value=scene.name)
            leaf(scene_el, "Annotation", "")
            leaf(scene_el, "ColorIndex", 0)
        return
    scenes_el = etree.SubElement(live_set, "Scenes")
    for index, scene in enumerate(scenes):
        scene_el = node(scenes_el, "Scene", Id=index)
        leaf(scene_el, "Name", scene.name)
        leaf(scene_el, "Annotation", "")
        leaf(scene_el, "Color", -1)
        leaf(scene_el, "Tempo", scene.tempo if scene.tempo is not None else 120)
        leaf(scene_el, "IsTempoEnabled", scene.tempo is not None)
        leaf(scene_el, "TimeSignatureId", 201)
        leaf(scene_el, "IsTimeSignatureEnabled", False)


def _transport(live_set: etree._Element) -> None:
    transport = etree.SubElement(live_set, "Transport")
    leaf(transport, "PhaseNudgeTempo", 10)
    leaf(transport, "LoopOn", False)
    leaf(transport, "LoopStart", 0)
    leaf(transport, "LoopLength", 16)
    leaf(transport, "CurrentTime", 0)


def _scale(doc: Document, live_set: etree._Element) -> None:
    scale_information(doc, live_set)
    leaf(live_set, "InKey", doc.spec.key is not None and doc.spec.key.in_key)


def _locators(doc: Document, live_set: etree._Element) -> None:
    outer = etree.SubElement(live_set, "Locators")
    inner = etree.SubElement(outer, "Locators")
    for index, locator in enumerate(sorted(doc.spec.locators, key=lambda loc: loc.time)):
        el = node(inner, "Locator", Id=index)
        leaf(el, "LomId", 0)
        leaf(el, "Time", locator.time)
        leaf(el, "Name", locator.name)
        leaf(el, "Annotation", "")
        leaf(el, "IsSongStart", False)


def _groove_pool(doc: Document, live_set: etree._Element) -> None:
    pool = etree.SubElement(live_set, "GroovePool")
    leaf(pool, "LomId", 0)
    grooves = etree.SubElement(pool, "Grooves")
    for index, groove in enumerate(doc.spec.grooves):
        el = node(grooves, "Groove", Id=index)
        leaf(el, "LomId", 0)
        leaf(el, "Name", groove.name)
        # The groove's template is stored as a MIDI clip; it is not a clip of the set.
        template = [Note(36, step * 0.25 + (0.04 if step % 2 else 0)) for step in range(16)]
        write_clip(
            doc,
            etree.SubElement(etree.SubElement(el, "Clip"), "Value"),
            Clip(groove.name, length=4, notes=template),
            "midi",
            in_session=True,
        )
        leaf(el, "Grid", 3)
        leaf(el, "QuantizationAmount", 0)
        leaf(el, "TimingAmount", groove.timing)
        leaf(el, "RandomAmount", 0)
        leaf(el, "VelocityAmount", 0)

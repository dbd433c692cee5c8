"""The streaming walk over a Live Set: one lxml `iterparse` pass that materialises one section of the set
at a time (a track, the master track, the scene list, ...), hands it to the analysers and frees it, so
memory is bounded by the largest track, not by the file.

Public API: `parse_als`, `parse_id`, `PARSER_NAME`, `PARSER_VERSION`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from lxml import etree

from dawa_pipeline.als import xml_paths as xp
from dawa_pipeline.als.container import LIBXML2_MAX_DEPTH, ParseLimits, SetStream, open_set_stream
from dawa_pipeline.als.errors import (
    AlsParseError,
    EmptyFile,
    ForbiddenXml,
    LimitExceeded,
    MalformedXml,
    MissingElement,
    NotAnAbletonSet,
)
from dawa_pipeline.als.keys import scale_setting
from dawa_pipeline.als.models import AlsSummary, Locator, Scene
from dawa_pipeline.als.summary import Identification, SetFacts, build_summary
from dawa_pipeline.als.tracks import StreamedEvents, analyse_track, read_event, read_master

PARSER_NAME = "dawa-als-stream"
PARSER_VERSION = "1.0.0"

# Depths of the elements the walk acts on (Ableton = 1). A master automation event closes at _MASTER_EVENT:
# MasterTrack/AutomationEnvelopes/Envelopes/AutomationEnvelope/Automation/Events/FloatEvent (Live 10+) or
# MasterTrack/DeviceChain/Mixer/Tempo/ArrangerAutomation/Events/FloatEvent (Live 8/9 inline).
_ROOT, _LIVESET, _SECTION, _MASTER_EVENT = 1, 2, 3, 8


def _discard(element: xp.Element) -> None:
    """Free a handled element and the already-freed siblings before it (lxml's iterparse idiom)."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


class _Walk:
    def __init__(self, file_name: str, limits: ParseLimits) -> None:
        self.file_name = file_name
        self.limits = limits
        self.facts = SetFacts()
        self.saw_live_set = False
        self.master_events: StreamedEvents = {}

    def run(self, stream: SetStream) -> SetFacts:
        events = etree.iterparse(
            stream,
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            remove_blank_text=True,  # fewer nodes: faster to build and to free
        )
        depth, max_depth = 0, self.limits.max_depth
        section_depth, live_set_depth, master_event_depth = _SECTION, _LIVESET, _MASTER_EVENT
        in_tracks = in_master = False
        etree.clear_error_log()  # the log is per thread; keep only this parse's errors
        try:
            # The hot loop: plain local integers and booleans, work only on the few depths that matter.
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth <= section_depth:
                        self._on_open(element, depth)
                        if depth == section_depth:
                            in_tracks = element.tag == "Tracks"
                            in_master = element.tag in xp.MASTER_TRACK_NAMES
                    elif depth > max_depth:
                        raise LimitExceeded(self.file_name, f"XML nested deeper than {max_depth} levels")
                    continue
                depth -= 1
                if depth == master_event_depth:
                    if in_master:
                        self._stream_master_event(element)
                elif depth == section_depth:
                    if in_tracks:
                        self._on_track(element)
                        _discard(element)
                elif depth == live_set_depth:
                    self._on_section(element)
                    _discard(element)
        except etree.XMLSyntaxError as exc:
            raise self._syntax_error(exc, stream) from None
        if not self.saw_live_set:
            raise NotAnAbletonSet(self.file_name, "the <Ableton> document holds no <LiveSet>")
        return self.facts

    def _syntax_error(self, exc: etree.XMLSyntaxError, stream: SetStream) -> AlsParseError:
        # libxml2's first fatal error names the cause; lxml's own message is often the last symptom.
        first = next(iter(exc.error_log), None)
        message = first.message.strip() if first is not None else str(exc.msg or exc)
        where = f" at line {first.line}" if first is not None and first.line > 0 else ""
        if "Excessive depth" in message:
            return LimitExceeded(self.file_name, f"XML nested deeper than {LIBXML2_MAX_DEPTH} levels")
        if "Resource limit exceeded" in message or "Huge input" in message:
            return LimitExceeded(self.file_name, f"XML beyond libxml2's safety limits ({message})")
        if stream.xml_bytes == 0:
            return EmptyFile(self.file_name, "the compressed stream holds no data")
        return MalformedXml(self.file_name, f"not well-formed XML ({message}{where})")

    def _on_open(self, element: xp.Element, depth: int) -> None:
        if depth == _ROOT:
            docinfo = element.getroottree().docinfo
            if docinfo.doctype or docinfo.internalDTD is not None:
                raise ForbiddenXml(self.file_name, "a DOCTYPE or entity declaration (Live never writes one)")
            if element.tag != "Ableton":
                raise NotAnAbletonSet(self.file_name, f"XML root is <{element.tag}>, not <Ableton>")
            self.facts.root_attributes = dict(element.attrib)
        elif depth == _LIVESET:
            if element.tag != "LiveSet":
                raise NotAnAbletonSet(
                    self.file_name, f"an Ableton document holding <{element.tag}>, not a Live Set"
                )
            self.saw_live_set = True

    def _stream_master_event(self, element: xp.Element) -> None:
        """Read a master automation event and free it at once: a drawn tempo curve can hold 100k points,
        which as elements would cost far more memory than any track."""
        events = element.getparent()
        if events is not None and events.tag == "Events":
            self.master_events.setdefault(events, []).append(read_event(element))
            events.remove(element)

    def _on_track(self, element: xp.Element) -> None:
        kind = xp.TRACK_KINDS.get(element.tag)
        if kind is not None:
            self.facts.tracks.append(analyse_track(element, kind))

    def _on_section(self, element: xp.Element) -> None:
        tag, facts = element.tag, self.facts
        if tag in xp.MASTER_TRACK_NAMES:
            facts.master = analyse_track(element, "Main", self.master_events)
            facts.master_mixer = read_master(element, self.master_events)
            self.master_events = {}
        elif tag == xp.SCENES_LIVE11:
            facts.scenes = [_scene_live11(scene) for scene in element.iterfind("Scene")]
        elif tag == xp.SCENES_LIVE8:
            facts.scenes = [Scene(name=(scene.get("Value") or "").strip()) for scene in element]
        elif tag == "Locators":
            facts.locators = [
                Locator(beat=xp.as_float(xp.value(loc, "Time")) or 0.0, name=xp.value(loc, "Name") or "")
                for loc in element.iterfind(xp.LOCATOR_PATH)
            ]
        elif tag == "ScaleInformation":
            facts.scale = scale_setting(
                xp.first_value(element, xp.SCALE_ROOTS), xp.value(element, xp.SCALE_NAME)
            )
        elif tag == "InKey":
            facts.in_key = xp.as_bool(element.get("Value"))
        elif tag == "GroovePool":
            facts.grooves = [name.get("Value") or "" for name in element.iterfind(xp.GROOVE_NAMES_PATH)]


def _scene_live11(scene: xp.Element) -> Scene:
    tempo = xp.as_float(xp.value(scene, "Tempo")) if xp.as_bool(xp.value(scene, "IsTempoEnabled")) else None
    signature = None
    if xp.as_bool(xp.value(scene, "IsTimeSignatureEnabled")):
        encoded = xp.value(scene, "TimeSignatureId")
        signature = xp.decode_time_signature(int(encoded)) if encoded and encoded.isdigit() else None
    return Scene(name=xp.value(scene, "Name") or "", tempo=tempo, time_signature=signature)


def parse_id(artist_name: str, sha256: str, parser_version: str = PARSER_VERSION) -> str:
    """Deterministic, path-safe id of one parse: same artist, bytes and parser version, same id."""
    digest = hashlib.sha256("\x00".join((artist_name, sha256, parser_version)).encode("utf-8")).hexdigest()
    return f"p{digest[:16]}"


def project_name_of(folder: str) -> str:
    """Live keeps a set in "<Name> Project/": the project's name is that folder's name without the suffix."""
    return folder.removesuffix(" Project")


def _project_names(source: Path | bytes, project_name: str | None) -> tuple[str, str]:
    folder = "" if isinstance(source, bytes) else source.parent.name
    if project_name is None:
        project_name = project_name_of(folder)
    return project_name, folder


def parse_als(
    source: Path | bytes,
    *,
    file_name: str | None = None,
    artist_name: str = "",
    project_name: str | None = None,
    limits: ParseLimits = ParseLimits(),  # noqa: B008 - frozen, so one shared default is safe
) -> AlsSummary:
    """Parse one Live Set (a path or the file's bytes) into its summary. Raises AlsParseError on bad input."""
    if file_name is None:
        file_name = "<bytes>" if isinstance(source, bytes) else Path(source).name
    source = source if isinstance(source, bytes) else Path(source)
    with open_set_stream(source, file_name, limits) as stream:
        facts = _Walk(file_name, limits).run(stream)
        source_facts = stream.finish()
    if facts.master is None or facts.master_mixer is None:
        raise MissingElement(file_name, "no master track with a tempo (MasterTrack/MainTrack mixer)")
    project, folder = _project_names(source, project_name)
    identification = Identification(file_name, project, folder, artist_name, PARSER_NAME, PARSER_VERSION)
    return build_summary(facts, identification, source_facts)

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
from dawa_pipeline.als.tracks import analyse_track, read_master

PARSER_NAME = "dawa-als-stream"
PARSER_VERSION = "1.0.0"

# Depths of the elements the walk acts on (Ableton = 1).
_ROOT, _LIVESET, _SECTION, _TRACK = 1, 2, 3, 4


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
        self.section = ""
        self.saw_live_set = False

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
        try:
            for event, element in events:
                if event == "start":
                    depth += 1
                    if depth <= _SECTION:
                        self._on_open(element, depth)
                    elif depth > max_depth:
                        raise LimitExceeded(self.file_name, f"XML nested deeper than {max_depth} levels")
                    continue
                depth -= 1
                if depth == _SECTION and self.section == "Tracks":
                    self._on_track(element)
                    _discard(element)
                elif depth == _LIVESET:
                    self._on_section(element)
                    _discard(element)
        except etree.XMLSyntaxError as exc:
            raise self._syntax_error(exc, stream) from None
        if not self.saw_live_set:
            raise NotAnAbletonSet(self.file_name, "the <Ableton> document holds no <LiveSet>")
        return self.facts

    def _syntax_error(self, exc: etree.XMLSyntaxError, stream: SetStream) -> AlsParseError:
        message = str(exc.msg or exc)
        if "Excessive depth" in message:
            return LimitExceeded(self.file_name, f"XML nested deeper than {LIBXML2_MAX_DEPTH} levels")
        if stream.xml_bytes == 0:
            return EmptyFile(self.file_name, "the compressed stream holds no data")
        return MalformedXml(self.file_name, f"not well-formed XML ({message})")

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
        else:
            self.section = element.tag

    def _on_track(self, element: xp.Element) -> None:
        kind = xp.TRACK_KINDS.get(element.tag)
        if kind is not None:
            self.facts.tracks.append(analyse_track(element, kind))

    def _on_section(self, element: xp.Element) -> None:
        tag, facts = element.tag, self.facts
        if tag in xp.MASTER_TRACK_NAMES:
            facts.master = analyse_track(element, "Main")
            facts.master_mixer = read_master(element)
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


def _project_names(source: Path | bytes, project_name: str | None) -> tuple[str, str]:
    folder = "" if isinstance(source, bytes) else source.parent.name
    if project_name is None:
        project_name = folder.removesuffix(" Project")
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

"""The streaming walk over a Live Set: one tag-filtered lxml pull parse that hands Python only the elements
the analysers act on (the set's sections and its tracks); every other element stays in C. After each chunk of
input, what closed is analysed and freed, and the master's automation points and the open track's MIDI notes
are read and moved out of the tree, so memory is bounded by a track's other content, not by the file or its
notes; the nodes held at once are counted against `ParseLimits.max_held_nodes`.

Public API: `parse_als`, `parse_id`, `PARSER_NAME`, `PARSER_VERSION`.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from itertools import islice
from pathlib import Path

from lxml import etree

from dawa_pipeline.als import xml_paths as xp
from dawa_pipeline.als.container import (
    LIBXML2_MAX_DEPTH,
    LIBXML2_MAX_TEXT,
    ParseLimits,
    SetStream,
    open_set_stream,
)
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
from dawa_pipeline.als.tracks import (
    NoteTotals,
    StreamedEvents,
    StreamedNotes,
    analyse_track,
    read_event,
    read_master,
)

PARSER_NAME = "dawa-als-stream"
PARSER_VERSION = "1.1.0"

# Entities, DTDs and the network off; libxml2's own limits (depth 256, 10 MB text nodes) on.
_HARDENED = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
    "collect_ids": False,
}
_CHUNK_BYTES = 64 * 1024
_LIVE_SET_SECTIONS = (
    *xp.MASTER_TRACK_NAMES,
    xp.SCENES_LIVE11,
    xp.SCENES_LIVE8,
    "Locators",
    "ScaleInformation",
    "InKey",
    "GroovePool",
)
# The only tags lxml reports to Python (LiveSet for its opening: the handle on the tree being built); the
# same tags elsewhere in the tree are skipped by position.
_WATCHED_TAGS = ("LiveSet", *xp.TRACK_KINDS, *_LIVE_SET_SECTIONS)


# Elements and attributes below an element (its own attributes included): what `SetStream.nodes` counts as
# the text is read. One context node, so libxml2 never merges node sets (quadratic over many siblings).
_NODES_BELOW = etree.XPath("count(descendant::*) + count(descendant-or-self::*/@*)")


def _nodes_of(element: xp.Element) -> int:
    """Elements and attributes of `element`'s subtree, itself included."""
    return int(_NODES_BELOW(element)) + 1


@lru_cache(maxsize=8)
def _deeper_than(max_depth: int) -> etree.XPath:
    """True when the document holds an element below `max_depth` levels (the root is level 1), in C."""
    return etree.XPath("boolean(/" + "/".join(["*"] * (max_depth + 1)) + ")")


class _Walk:
    def __init__(self, file_name: str, limits: ParseLimits) -> None:
        self.file_name = file_name
        # libxml2 itself refuses documents deeper than its limit; only a smaller limit needs checking here.
        self.deeper_than_limit = (
            _deeper_than(limits.max_depth) if limits.max_depth < LIBXML2_MAX_DEPTH else None
        )
        self.max_depth = limits.max_depth
        self.limits = limits
        self.facts = SetFacts()
        self.root: xp.Element | None = None
        self.live_set: xp.Element | None = None
        self.master_events: StreamedEvents = {}
        self.notes: StreamedNotes = {}  # of the open track
        self.freed_nodes = 0  # read by the stream and no longer held

    def run(self, stream: SetStream) -> SetFacts:
        parser = etree.XMLPullParser(
            events=("start", "end"), tag=_WATCHED_TAGS, remove_blank_text=True, **_HARDENED
        )
        head: etree.XMLPullParser | None = etree.XMLPullParser(events=("start",), **_HARDENED)
        etree.clear_error_log()  # the log is per thread; keep only this parse's errors
        try:
            while chunk := stream.read(_CHUNK_BYTES):
                if head is not None:
                    head = self._check_head(head, chunk)
                parser.feed(chunk)
                self._on_chunk(list(parser.read_events()))
                self._check_held(stream)
            self.root = parser.close()
        except etree.XMLSyntaxError as exc:
            raise self._syntax_error(exc, stream) from None
        self._check_depth()
        self._check_document(self.root)
        return self.facts

    def _check_head(self, head: etree.XMLPullParser, chunk: bytes) -> etree.XMLPullParser | None:
        """Reject a wrong document as soon as its root and first child are read, not after parsing it all:
        a separate unfiltered parser over the first chunks (the main parser reports syntax errors)."""
        try:
            head.feed(chunk)
            broken = False
        except etree.XMLSyntaxError:
            broken = True  # the elements before the error still count
        for _event, element in head.read_events():
            if element.getparent() is None:
                self._check_root(element)
            else:
                self._check_live_set(element)  # the root's first child: checked, so the head is done
                return None
        return None if broken else head

    def _check_document(self, root: xp.Element) -> None:
        self._check_root(root)
        if len(root) == 0:
            raise NotAnAbletonSet(self.file_name, "the <Ableton> document holds no <LiveSet>")
        for child in root:
            self._check_live_set(child)

    def _check_root(self, root: xp.Element) -> None:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise ForbiddenXml(self.file_name, "a DOCTYPE or entity declaration (Live never writes one)")
        if root.tag != "Ableton":
            raise NotAnAbletonSet(self.file_name, f"XML root is <{root.tag}>, not <Ableton>")
        self.facts.root_attributes = dict(root.attrib)

    def _check_live_set(self, child: xp.Element) -> None:
        if child.tag != "LiveSet":
            raise NotAnAbletonSet(
                self.file_name, f"an Ableton document holding <{child.tag}>, not a Live Set"
            )

    def _check_depth(self) -> None:
        if self.deeper_than_limit is not None and self.root is not None and self.deeper_than_limit(self.root):
            raise LimitExceeded(self.file_name, f"XML nested deeper than {self.max_depth} levels")

    def _check_held(self, stream: SetStream) -> None:
        held = stream.nodes - self.freed_nodes
        if held > self.limits.max_held_nodes:
            raise LimitExceeded(
                self.file_name,
                f"more than {self.limits.max_held_nodes:,} XML elements and attributes in one track or"
                " section, besides its notes and automation (the limit per set)",
            )

    def _delete_first(self, parent: xp.Element, count: int) -> None:
        """Delete `parent`'s first `count` children, counting what that frees."""
        if count > 0:
            kept = sum(_nodes_of(child) for child in parent[count:])  # the open last child, if any
            self.freed_nodes += _nodes_of(parent) - 1 - len(parent.attrib) - kept
            del parent[:count]

    def _on_chunk(self, events: list[tuple[str, xp.Element]]) -> None:
        """Analyse what closed in one chunk of input, then free it. The freeing waits until this batch's
        element proxies are released: lxml frees a subtree at once only when no proxy points into it, else
        it rescans the subtree each time one of those proxies dies."""
        if events and self.root is None:  # the first event is LiveSet opening
            self.root = events[0][1].getroottree().getroot()
            self.live_set = self.root.find("LiveSet")
        self._check_depth()  # before anything built so far is freed
        analysed = [element for event, element in events if event == "end" and self._on_close(element)]
        events.clear()
        for element in analysed:
            self.freed_nodes += _nodes_of(element) - 1
            element.clear()  # an empty shell (one node) is left for _free_closed_sections
        self._free_closed_sections()
        open_section = self.live_set[-1] if self.live_set is not None and len(self.live_set) else None
        if open_section is None:
            return
        if open_section.tag in xp.MASTER_TRACK_NAMES:
            self._stream_master_events(open_section, keep=1)  # the last point of a list may be open
        elif open_section.tag == "Tracks" and len(open_section):
            self._stream_notes(open_section[-1])

    def _on_close(self, element: xp.Element) -> bool:
        """Handle a watched element that closed; True when it was a section or track, now to be freed."""
        parent = element.getparent()
        if parent is None:
            return False
        if parent is self.live_set:
            self._on_section(element)
            return True
        if element.tag in xp.TRACK_KINDS and parent.tag == "Tracks" and parent.getparent() is self.live_set:
            if len(self.facts.tracks) >= self.limits.max_tracks:
                raise LimitExceeded(
                    self.file_name, f"more than {self.limits.max_tracks:,} tracks (the limit per set)"
                )
            self.facts.tracks.append(analyse_track(element, xp.TRACK_KINDS[element.tag], notes=self.notes))
            self.notes = {}
            return True
        return False

    def _free_closed_sections(self) -> None:
        """Free every LiveSet child and every track that has closed: all but the last child of LiveSet and
        of an open track list (watched ones were analysed when they closed; the rest no analyser needs)."""
        live_set = self.live_set
        if live_set is None or len(live_set) == 0:
            return
        self._delete_first(live_set, len(live_set) - 1)
        if live_set[-1].tag == "Tracks":
            self._delete_first(live_set[-1], len(live_set[-1]) - 1)

    def _stream_master_events(self, master: xp.Element, keep: int) -> None:
        """Move the master's automation points out of the tree into `master_events`, all but the last `keep`
        of each list: a drawn tempo curve can hold 100k points, far more memory than any track."""
        for event_list in xp.MASTER_EVENT_LISTS(master):
            count = len(event_list) - keep
            if count > 0:
                streamed = self.master_events.setdefault(event_list, [])
                streamed.extend(read_event(event) for event in islice(event_list, count))
                self._delete_first(event_list, count)  # no proxy left inside: freed at once
                self.freed_nodes -= count  # each point is still held, now as a pair of floats

    def _stream_notes(self, track: xp.Element) -> None:
        """Read and free the notes of the open track's open note list (the last child at each level below
        the track, down to the element being read), all but its last note, which may still be open."""
        element = track
        while len(element):
            parent, element = element, element[-1]
            if element.tag == xp.NOTE_LIST and parent.tag == xp.NOTE_KEY_TRACKS:
                count = len(element) - 1
                if count > 0:
                    self.notes.setdefault(parent, NoteTotals()).add(element, count)
                    self._delete_first(element, count)
                return

    def _syntax_error(self, exc: etree.XMLSyntaxError, stream: SetStream) -> AlsParseError:
        """The typed error for libxml2's complaint; a MemoryError when libxml2 could not allocate."""
        # libxml2's first fatal error names the cause; lxml's own message is often the last symptom.
        first = next(iter(exc.error_log), None)
        if exc.code == etree.ErrorTypes.ERR_NO_MEMORY or (
            first is not None and first.type == etree.ErrorTypes.ERR_NO_MEMORY
        ):
            raise MemoryError(f"{self.file_name}: libxml2 ran out of memory")  # as Python itself would
        message = first.message.strip() if first is not None else str(exc.msg or exc)
        where = f" at line {first.line}" if first is not None and first.line > 0 else ""
        if "Excessive depth" in message:
            return LimitExceeded(self.file_name, f"XML nested deeper than {LIBXML2_MAX_DEPTH} levels")
        if "Resource limit exceeded" in message or "Huge input" in message:
            return LimitExceeded(self.file_name, _libxml2_limit(message))
        if stream.xml_bytes == 0:
            return EmptyFile(self.file_name, "the compressed stream holds no data")
        return MalformedXml(self.file_name, f"not well-formed XML ({message}{where})")

    def _on_section(self, element: xp.Element) -> None:
        tag, facts = element.tag, self.facts
        if tag in xp.MASTER_TRACK_NAMES:
            self._stream_master_events(element, keep=0)
            facts.master = analyse_track(element, "Main", self.master_events)
            facts.master_mixer = read_master(element, self.master_events)
            self.freed_nodes += sum(len(points) for points in self.master_events.values())
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


def _libxml2_limit(message: str) -> str:
    """Which of libxml2's limits the input hit, without libxml2's hint to lift it (we never do)."""
    for symptom, limit in _LIBXML2_LIMITS.items():
        if symptom in message:
            return f"{limit} (libxml2's limit)"
    return "XML beyond libxml2's safety limits (" + message.split(", try XML_PARSE_HUGE")[0] + ")"


_LIBXML2_LIMITS = {
    "Text node too long": f"a text node longer than {LIBXML2_MAX_TEXT:,} bytes",
    "Buffer size limit exceeded": f"an attribute value longer than {LIBXML2_MAX_TEXT:,} bytes",
    "Huge input lookup": f"a single piece of markup longer than {LIBXML2_MAX_TEXT:,} bytes",
}


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

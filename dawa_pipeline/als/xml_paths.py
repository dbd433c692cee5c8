"""Every element path that differs between Live versions, in one place.

Paths are resolved by probing (try each alternative in order), not by version number, because the changes do
not line up with major versions (see /work/shared/als/FORMAT.md section 2). Each path is relative to the
element named in its constant. Matching is by tag only, so 12.1 attributes on track tags change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

Element = etree._Element

# --- LiveSet children --------------------------------------------------------------------------------
TRACK_KINDS: dict[str, str] = {
    "MidiTrack": "MIDI",
    "AudioTrack": "Audio",
    "GroupTrack": "Group",
    "ReturnTrack": "Return",
}
# Live 12 renamed the master track; its display name follows the tag.
MASTER_TRACK_NAMES: dict[str, str] = {"MainTrack": "Main", "MasterTrack": "Master"}
SCENES_LIVE11 = "Scenes"  # Scene/{Name,Tempo,IsTempoEnabled,TimeSignatureId,IsTimeSignatureEnabled}
SCENES_LIVE8 = "SceneNames"  # Scene@Value
LOCATOR_PATH = "Locators/Locator"  # relative to LiveSet/Locators
GROOVE_NAMES_PATH = "Grooves/Groove/Name"  # relative to LiveSet/GroovePool

# --- any track -----------------------------------------------------------------------------------------
TRACK_NAME_PATHS = ("Name/EffectiveName", "Name/UserName")  # Live 8 has only UserName
TRACK_COLOR_PATHS = ("Color", "ColorIndex")  # Live 11 renamed ColorIndex
TRACK_GROUP_ID = "TrackGroupId"
TRACK_FROZEN = "Freeze"
MAIN_SEQUENCER = "DeviceChain/MainSequencer"
FREEZE_SEQUENCER_TAG = "FreezeSequencer"  # frozen renders: not real clips or samples
SESSION_CLIPS = "ClipSlotList/ClipSlot/ClipSlot/Value/*"  # relative to MainSequencer
ARRANGEMENT_CLIPS = (  # relative to MainSequencer: MIDI, then audio
    "ClipTimeable/ArrangerAutomation/Events/*",
    "Sample/ArrangerAutomation/Events/*",
)
TAKE_LANE_CLIPS = "TakeLanes/TakeLanes/TakeLane/ClipAutomation/Events/*"  # Live 11+
CLIP_START, CLIP_END = "CurrentStart", "CurrentEnd"
CLIP_NAME = "Name"
CLIP_SCALE_ROOTS = ("ScaleInformation/Root", "ScaleInformation/RootNote")  # Live 12, Live 11
CLIP_SCALE_NAME = "ScaleInformation/Name"
CLIP_IN_KEY = "IsInKey"
NOTE_KEY_TRACKS = "KeyTrack"  # iterated below a clip: KeyTrack/{MidiKey, Notes/MidiNoteEvent}
NOTE_KEY, NOTE_LIST = "MidiKey", "Notes"
# The enabled notes (IsEnabled absent, or "true" in any case) among the first $n children of a key track's
# note list, counted and their durations summed in C: a track can hold millions of notes. A duration that is
# not a number counts as 0.
_ENABLED_NOTES = (
    "*[position() <= $n][self::MidiNoteEvent]"
    "[not(@IsEnabled) or translate(normalize-space(@IsEnabled), 'TRUE', 'true') = 'true']"
)
COUNT_ENABLED_NOTES = etree.XPath(f"count({_ENABLED_NOTES})")
SUM_NOTE_DURATIONS = etree.XPath(f"sum({_ENABLED_NOTES}/@Duration[number(.) = number(.)])")
PLUGIN_DEVICE_TAGS = ("PluginDevice", "AuPluginDevice")  # AU lives in its own device tag
DRUM_RACK_TAG = "DrumGroupDevice"
DRUM_PADS = "Branches/DrumBranch"  # relative to a Drum Rack; each pad's chain name at TRACK_NAME_PATHS
SIDECHAIN = "SideChain"  # relative to a device (Compressor, Gate, Glue, Auto Filter...)
SIDECHAIN_ON = "OnOff"  # a parameter: Manual, or in Live 8 the first inline event
SIDECHAIN_SOURCE = "RoutedInput/Routable/Target"  # @Value "AudioIn/Track.<track Id>/PostFxOut" for a track

# Every device of a track in document order, racks, drum chains and rack returns included: a device is a
# child of a `Devices` list, which only device chains hold. One compiled XPath per track, run in C.
ALL_DEVICES = etree.XPath(".//Devices/*")

# The point Live stores at this time is an envelope's initial value, not automation.
DEFAULT_EVENT_TIME = -63072000.0
# Track automation, Live 10+: envelopes on the track (checked in Python, which stops at the first real point).
TRACK_ENVELOPE_EVENTS = "AutomationEnvelopes/Envelopes/AutomationEnvelope/Automation/Events"
# Live 8/9 keep events inline in each parameter's ArrangerAutomation, whose MainSequencer twin holds clips,
# hence the event-tag filter.
HAS_INLINE_AUTOMATION = etree.XPath(
    "boolean(.//ArrangerAutomation/Events/*[self::FloatEvent or self::BoolEvent or self::EnumEvent"
    " or self::IntEvent][@Time > $default])"
)

# --- master / main track -----------------------------------------------------------------------------
MASTER_MIXER_PATHS = ("DeviceChain/Mixer", "MasterChain/Mixer")  # Live 8 says MasterChain
MIXER_TEMPO, MIXER_TIME_SIGNATURE = "Tempo", "TimeSignature"
MIXER_GROOVE_AMOUNT = "GlobalGrooveAmount"
PARAM_MANUAL = "Manual"  # absent in Live 8: use the first inline event
PARAM_INLINE_EVENTS_LIST = "ArrangerAutomation/Events"  # Live 8/9 tempo / time-signature changes
# Every automation `Events` list of the master's own parameters, five levels below it:
# AutomationEnvelopes/Envelopes/AutomationEnvelope/Automation/Events (Live 10+) or
# DeviceChain/Mixer/<Param>/ArrangerAutomation/Events (Live 8/9 inline).
MASTER_EVENT_LISTS = etree.XPath("*/*/*/*/Events")
PARAM_TARGET = "AutomationTarget"  # @Id, matched by a track envelope's PointeeId (Live 10+)
TRACK_ENVELOPES = "AutomationEnvelopes/Envelopes/AutomationEnvelope"
ENVELOPE_POINTEE = "EnvelopeTarget/PointeeId"
ENVELOPE_EVENTS_LIST = "Automation/Events"

# --- set scale ---------------------------------------------------------------------------------------
SCALE_ROOTS = ("Root", "RootNote")  # relative to LiveSet/ScaleInformation; Live 12 renamed RootNote
SCALE_NAME = "Name"  # a word before Live 12, an index from Live 12

# --- SampleRef/FileRef ------------------------------------------------------------------------------
FILEREF_PATH = "Path"  # Live 11+ (and one 10.1 variant): absolute path as stored
FILEREF_RELATIVE = "RelativePath"  # Live 11+: @Value; before: RelativePathElement@Dir children
FILEREF_RELATIVE_ELEMENTS = "RelativePath/RelativePathElement"
FILEREF_NAME = "Name"  # before Live 11
FILEREF_DATA = "Data"  # before Live 11: hex of a UTF-16LE Windows path or a Mac alias record


def value(element: Element | None, path: str) -> str | None:
    """The `Value` attribute of the element at `path` below `element`, or None."""
    if element is None:
        return None
    found = element.find(path)
    return None if found is None else found.get("Value")


def first_value(element: Element | None, paths: Sequence[str]) -> str | None:
    """The first `Value` found among alternative paths (a Live version difference)."""
    for path in paths:
        found = value(element, path)
        if found is not None:
            return found
    return None


def first_element(element: Element | None, paths: Sequence[str]) -> Element | None:
    if element is None:
        return None
    for path in paths:
        found = element.find(path)
        if found is not None:
            return found
    return None


def as_float(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def as_bool(text: str | None, default: bool = False) -> bool:
    """Live writes "true"/"false"; 12.3 omits attributes at their default."""
    return default if text is None else text.strip().lower() == "true"


def decode_time_signature(encoded: int) -> str:
    """Live's time-signature enum: numerator = enc % 99 + 1, denominator = 2 ** (enc // 99)."""
    return f"{encoded % 99 + 1}/{2 ** (encoded // 99)}"

"""The resource budget per parse: floods that pass the compression-ratio check are refused by the element,
track and held-node limits with one error naming the file, within bounded memory (measured in a fresh
interpreter); MIDI notes stream out of the tree, so a clip's notes do not count against the memory budget."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dawa_pipeline.als import ParseLimits, parse_als
from dawa_pipeline.als.errors import LimitExceeded
from dawa_pipeline.demo.hostile_sets import LIVE_SET_HEAD, element_flood
from dawa_pipeline.demo.live_set.build import build_set
from dawa_pipeline.demo.live_set.spec import Clip, Note, SetSpec, Track

_IN_TRACK = b"<LiveSet><Tracks><MidiTrack Id='1'>"
_PEAK_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from dawa_pipeline.als import AlsParseError, parse_als
    try:
        parse_als(Path(sys.argv[1]))
        print("parsed")
    except AlsParseError as exc:
        print(exc)
    # VmHWM is this process's own peak (ru_maxrss would include the forking pytest process).
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM")))
    """
)


def _parse_in_fresh_process(path: Path) -> tuple[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    outcome, peak_mib = result.stdout.strip().splitlines()
    return outcome, int(peak_mib)


@pytest.mark.parametrize(
    ("element", "opening", "problem"),
    [
        (b'<MidiTrack Id="1"/>', b"<LiveSet><Tracks>", "more than 2,000 tracks"),
        (b"<a/>", _IN_TRACK, "more than 800,000 XML elements and attributes in one track or section"),
        (b'<a b = "1" c=\'2\' d="3"/>', _IN_TRACK, "more than 800,000 XML elements and attributes"),
        (b"<a/>", b"<LiveSet>", "more than 6,000,000 XML elements"),
    ],
    ids=["track-flood", "elements-in-a-track", "attributes-in-a-track", "elements-in-the-set"],
)
def test_an_element_flood_under_the_ratio_limit_is_refused_within_the_memory_budget(
    element: bytes, opening: bytes, problem: str, tmp_path: Path
) -> None:
    """The issue's upload: ~100 MB of XML in a few hundred KB of gzip, compression ratio below 200."""
    flood = tmp_path / "flood.als"
    flood.write_bytes(element_flood(100_000_000, element, opening))
    outcome, peak_mib = _parse_in_fresh_process(flood)
    assert outcome.startswith("flood.als: ") and problem in outcome
    assert peak_mib < 300


def test_configured_element_and_track_limits_are_exact() -> None:
    data = build_set(SetSpec(tracks=[Track.midi(f"t{i}") for i in range(3)]))
    assert len(parse_als(data, limits=ParseLimits(max_tracks=3)).tracks) == 4  # the master is not counted
    with pytest.raises(LimitExceeded, match="more than 2 tracks"):
        parse_als(data, file_name="many.als", limits=ParseLimits(max_tracks=2))
    with pytest.raises(LimitExceeded, match="more than 1,000 XML elements"):
        parse_als(data, file_name="many.als", limits=ParseLimits(max_elements=1_000))
    with pytest.raises(ValueError, match="must be > 0"):
        ParseLimits(max_held_nodes=0)


def _one_clip_set(note_count: int) -> bytes:
    notes = [Note(pitch=57 + (i % 3) * 3, time=i * 0.25, enabled=i % 10 != 0) for i in range(note_count)]
    return build_set(
        SetSpec(tracks=[Track.midi("Lead", clips=[Clip(length=note_count / 4, notes=notes)])]), "xml"
    )


def test_notes_stream_out_of_the_tree_and_are_all_counted() -> None:
    """60,000 notes in one clip (megabytes of XML, many reads) parse within a held-node budget far smaller
    than the notes themselves; every enabled note counts, and the key estimate is the one of 60 such notes
    (read in one piece)."""
    data = _one_clip_set(60_000)
    elsewhere = data.replace(b"KeyTrack", b"KeyTrakk")  # the same notes where no analyser reads them
    with pytest.raises(LimitExceeded, match="more than 20,000 XML elements and attributes"):
        parse_als(elsewhere, file_name="held.als", limits=ParseLimits(max_held_nodes=20_000))
    summary = parse_als(data, limits=ParseLimits(max_held_nodes=20_000))
    lead = next(track for track in summary.tracks if track.name == "Lead")
    assert lead.midi_note_count == 54_000
    small = parse_als(_one_clip_set(60))
    assert summary.key == small.key and small.key.source == "midi_estimate"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            b"<LiveSet>" + b" " * 11_000_000 + b"</LiveSet></Ableton>",
            "a text node longer than 10,000,000 bytes",
        ),
        (
            b'<LiveSet><a v="' + b"x" * 11_000_000 + b'"/></LiveSet></Ableton>',
            "an attribute value longer than 10,000,000 bytes",
        ),
    ],
    ids=["whitespace", "attribute"],
)
def test_libxml2_limits_are_named_without_suggesting_to_lift_them(body: bytes, problem: str) -> None:
    with pytest.raises(LimitExceeded) as caught:
        parse_als(LIVE_SET_HEAD + body, file_name="bomb.als")
    assert caught.value.problem == f"{problem} (libxml2's limit)"
    assert "XML_PARSE_HUGE" not in str(caught.value)

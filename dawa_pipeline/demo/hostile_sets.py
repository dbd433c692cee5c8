"""Hostile uploads for the parser's limits, shared by the tests, the fault suite and bench_parse."""

from __future__ import annotations

import gzip
import random

LIVE_SET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Ableton MajorVersion="5" Creator="Ableton Live 11.3.13">'
)
FLOOD_ELEMENT = b'<MidiTrack Id="1"/>'
# A newline after about one element in 29, at random: the compression ratio lands near 172, under the
# default limit of 200, so the ratio check does not catch the flood.
_NEWLINE_ODDS = 0.035


def element_flood(
    xml_bytes: int, element: bytes = FLOOD_ELEMENT, opening: bytes = b"<LiveSet><Tracks>"
) -> bytes:
    """A gzip Live Set of about `xml_bytes` of XML that is little more than copies of `element` after
    `opening` (never closed: the flood must be refused before the end matters)."""
    rng = random.Random(0)  # noqa: S311 - a reproducible layout, not a secret
    per_block = 4096
    block_count = max(1, xml_bytes // (per_block * len(element)))
    blocks = (
        b"".join(element + b"\n" if rng.random() < _NEWLINE_ODDS else element for _ in range(per_block))
        for _ in range(block_count)
    )
    return gzip.compress(LIVE_SET_HEAD + opening + b"".join(blocks), compresslevel=6, mtime=0)


_IN_CLIP = (
    b"<LiveSet><Tracks><MidiTrack Id='1'><DeviceChain><MainSequencer><ClipTimeable><ArrangerAutomation>"
    b"<Events><MidiClip Id='0' Time='0'><Notes><KeyTracks><KeyTrack Id='0'><Notes>"
)


def note_flood(xml_bytes: int) -> bytes:
    """One clip of about `xml_bytes` of MIDI notes at random times (so it compresses like a real set):
    the slowest content to parse, since every note is read."""
    rng = random.Random(0)  # noqa: S311 - a reproducible layout, not a secret
    note = b'<MidiNoteEvent Time="%d" Duration="0.25" Velocity="%d" IsEnabled="true"/>'
    count = xml_bytes // len(note % (500_000, 100))
    notes = b"".join(note % (rng.randrange(1_000_000), rng.randrange(1, 128)) for _ in range(count))
    return gzip.compress(LIVE_SET_HEAD + _IN_CLIP + notes, compresslevel=6, mtime=0)


def text_flood(xml_bytes: int) -> bytes:
    """One track holding about `xml_bytes` of random hex text in 4 MB elements: the most memory per byte
    that the node count does not see."""
    rng = random.Random(0)  # noqa: S311 - a reproducible layout, not a secret
    blocks = (
        b"<a>" + rng.randbytes(2_000_000).hex().encode() + b"</a>" for _ in range(xml_bytes // 4_000_000)
    )
    return gzip.compress(
        LIVE_SET_HEAD + b"<LiveSet><Tracks><MidiTrack Id='1'>" + b"".join(blocks), 1, mtime=0
    )

"""The words producers use in track and sample names, and Live's device tags as producers name them.

Patterns run on lower-cased names. `(?<![a-z])` / `(?![a-z])` keep short tokens such as "bd" or "sd" from
matching inside longer words while still matching "BD_01" or "Kick909".
"""

from __future__ import annotations

import re

from dawa_pipeline.als.devices import SAMPLER_TAGS, SYNTH_TAGS

_START, _END = r"(?<![a-z])", r"(?![a-z])"


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text.replace("<", _START).replace(">", _END))


KICK = _pattern(r"kick|<(kik|bd|bassdrum|bass drum)>")
KICK_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("distorted or saturated kicks", _pattern(r"dist|hard|saturat|clip|gabber|rumble|crush")),
    ("acoustic or live-room kicks", _pattern(r"acoustic|<live>|<room>|<real>|brush")),
    ("short, punchy kicks", _pattern(r"punch|tight|short|<click")),
    ("long, boomy kicks", _pattern(r"<long>|boom|<sub>|<deep>")),
    ("lo-fi, dusty or vinyl kicks", _pattern(r"lo-?fi|dust|vinyl|<tape|crate")),
)
NINE_O_NINE = re.compile(r"909")
EIGHT_O_EIGHT = re.compile(r"808")
DRUM_KIT = _pattern(r"<kit>|drum|<kits>")

SNARE_CLAP: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("claps", _pattern(r"clap|<clp>")),
    ("snares", _pattern(r"snare|<(snr|sd)>")),
    ("rimshots", _pattern(r"<rim")),
    ("finger snaps", _pattern(r"<snaps?>")),
)
PERCUSSION: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hi-hats", _pattern(r"hi-?hat|<hats?>|<hh|<(oh|ch)\d")),
    ("shakers", _pattern(r"shaker|<shk")),
    ("congas or bongos", _pattern(r"conga|bongo")),
    ("toms", _pattern(r"<toms?>")),
    ("rides or crashes", _pattern(r"<(ride|crash|cymbal)")),
    ("tambourines", _pattern(r"tamb")),
    ("cowbells", _pattern(r"cowbell")),
    ("drum loops or breaks", _pattern(r"<break(?!down)|(drum|perc|top|beat|groove)s?[^a-z]*loop")),
    ("'perc' one-shots", _pattern(r"<perc(?!.*loop)")),
)

DRUM_GROUP = _pattern(r"drum|perc|beats?>|<kit>|<drm")

BASS_TRACK = _pattern(r"bass(?![ _-]?drum)|<sub>|808|reese")
SUB_TRACK = _pattern(r"<sub>")
# A pitched MIDI part whose median note lies here plays in the bass register: C0-B1 in Live's note names
# (Live calls MIDI note 60 C3). Lower medians are trigger notes of drum synths, not bass lines.
BASS_REGISTER = range(24, 48)
DUCKING_PLUGIN = _pattern(r"kickstart|lfo ?tool|volume ?shaper|shaper ?box|trackspacer|<duck|sidechain")

SECTION_NAME_NOISE = re.compile(r"[^a-z]+")

BASS_DEVICE_TAGS = SYNTH_TAGS | SAMPLER_TAGS
BASS_EFFECT_TAGS = frozenset(
    {
        "Compressor2",
        "GlueCompressor",
        "MultibandDynamics",
        "Saturator",
        "Roar",
        "Overdrive",
        "AutoFilter",
        "Redux2",
    }
)

MINOR_FAMILY = frozenset({"minor", "aeolian", "dorian", "phrygian", "locrian"})
MAJOR_FAMILY = frozenset({"major", "ionian", "lydian", "mixolydian"})
PLAIN_MODES = frozenset({"minor", "aeolian", "major", "ionian"})


def mode_family(mode: str) -> str:
    """'minor', 'major' or 'other' for a scale name such as 'dorian' or 'harmonic minor'."""
    if mode in MINOR_FAMILY or "minor" in mode:
        return "minor"
    if mode in MAJOR_FAMILY or "major" in mode:
        return "major"
    return "other"


def section_name(locator: str) -> str:
    """A locator as a section name: 'Drop 2' and 'DROP-B' both read 'drop'; '' for unnamed, numeric or 'A'."""
    words = SECTION_NAME_NOISE.sub(" ", locator.lower()).split()
    return " ".join(word for word in words if len(word) > 1)

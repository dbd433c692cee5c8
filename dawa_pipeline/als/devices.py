"""Ableton's native device tags, as the .als XML stores them, and the names producers know them by.

One table for everything that talks about devices: the genre rules, the fingerprint sentences and the
training captions. Plug-in families are here too, so the genre rules and the fingerprint agree on what a
drum or synth plug-in is.
"""

from __future__ import annotations

import re

DEVICE_NAMES: dict[str, str] = {
    "Operator": "Operator",
    "InstrumentVector": "Wavetable",
    "UltraAnalog": "Analog",
    "Drift": "Drift",
    "InstrumentMeld": "Meld",
    "Collision": "Collision",
    "StringStudio": "Tension",
    "LoungeLizard": "Electric",
    "InstrumentImpulse": "Impulse",
    "OriginalSimpler": "Simpler",
    "MultiSampler": "Sampler",
    "DrumGroupDevice": "Drum Rack",
    "InstrumentGroupDevice": "Instrument Rack",
    "AudioEffectGroupDevice": "Audio Effect Rack",
    "Compressor2": "Compressor",
    "GlueCompressor": "Glue Compressor",
    "MultibandDynamics": "Multiband Dynamics",
    "Eq8": "EQ Eight",
    "ChannelEq": "Channel EQ",
    "AutoFilter": "Auto Filter",
    "StereoGain": "Utility",
    "Saturator": "Saturator",
    "Roar": "Roar",
    "DrumBuss": "Drum Buss",
    "Redux2": "Redux",
    "Overdrive": "Overdrive",
    "Reverb": "Reverb",
    "Hybrid": "Hybrid Reverb",
    "Delay": "Delay",
    "Echo": "Echo",
    "Limiter": "Limiter",
}
SYNTH_TAGS = frozenset(
    {
        "Operator",
        "InstrumentVector",
        "UltraAnalog",
        "Drift",
        "InstrumentMeld",
        "Collision",
        "StringStudio",
        "LoungeLizard",
    }
)
SAMPLER_TAGS = frozenset({"OriginalSimpler", "MultiSampler"})
DRUM_RACK_TAG = "DrumGroupDevice"


def device_name(tag: str) -> str:
    """Live's name for a device tag ('InstrumentVector' -> 'Wavetable'); unknown tags as they are."""
    return DEVICE_NAMES.get(tag, tag)


# Plugin families, matched as prefixes of the plugin name reduced to lowercase letters and digits.
SYNTH_PLUGINS = (
    "serum", "vital", "diva", "massive", "sylenth", "spire", "zebra", "pigments", "omnisphere", "nexus",
    "phaseplant", "hive", "dune", "avenger", "analoglab", "pro53", "triplecheese", "bazille", "mpowersynth",
    "albino", "rapture", "repro", "razor", "monark", "harmor", "sytrus", "3xosc", "synthmaster", "obxd",
    "surge", "dexed", "helm", "talunolx", "talnoizemaker", "minilogue", "prophet", "jup8", "minimoog",
)  # fmt: skip
DRUM_PLUGINS = (
    "microtonic", "kick2", "kick3", "punchbd", "battery", "maschine", "drumazon", "nerve", "geist",
    "addictivedrums", "superiordrummer", "ezdrummer", "bfd", "sitala",
)  # fmt: skip
SAMPLER_PLUGINS = ("seratosample", "sp1200", "talsampler")
AMP_PLUGINS = ("guitarrig", "amplitube", "neuraldsp", "bias", "helix")
# Drum plug-ins that make kicks (a subset of DRUM_PLUGINS).
KICK_PLUGINS = ("kick2", "kick3", "punchbd")


def plugin_key(name: str) -> str:
    """A plug-in name reduced to lowercase letters and digits ('Little Plate' and 'LittlePlate' agree)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def in_family(name: str, families: tuple[str, ...]) -> bool:
    """Whether a plug-in name starts like one of `families` ('Kick 2' is in KICK_PLUGINS)."""
    return plugin_key(name).startswith(families)

"""Ableton's native device tags, as the .als XML stores them, and the names producers know them by.

One table for everything that talks about devices: the genre rules, the fingerprint sentences and the
training captions.
"""

from __future__ import annotations

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

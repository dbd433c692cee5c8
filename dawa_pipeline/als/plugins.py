"""Plugin identity: read a plugin device's format, raw name and kind, and normalise the name so that one
plugin counts once across formats and builds (`FabFilter Pro-Q 2 x64`, AU `FF Pro-Q 2` and VST3 `Pro-Q 2`
are all `FabFilter Pro-Q 2`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from dawa_pipeline.als.xml_paths import Element, value

PluginFormat = Literal["VST2", "VST3", "AU", "AUv3"]
PluginKind = Literal["instrument", "effect", "unknown"]


@dataclass(frozen=True)
class PluginIdentity:
    raw_name: str
    name: str
    format: PluginFormat
    vendor: str | None
    kind: PluginKind


# Build and channel-layout decorations that name the same plugin (applied repeatedly, at the end only).
_SUFFIXES = re.compile(
    r"(?:[ ._-]?x64|[ ._-]?x86|\.64|[ _-]64|(?<=[a-z])64|[ ._-]?\(x64\)|_vstwin|[ _-]?vst3?"
    r"|\s*\((?:sc|mono|stereo)\)"
    r"|\s+(?:mono/stereo|mono|stereo))$",
    re.IGNORECASE,
)
_FABFILTER_PRODUCT = re.compile(
    r"^(?:FabFilter |FF )?(Pro-(?:Q|C|L|R|G|DS|MB)(?: \d)?|Saturn(?: \d)?|Timeless(?: \d)?|Volcano(?: \d)?"
    r"|Twin(?: \d)?|Simplon|Micro|One)$"
)
# (vendor, pattern on the normalised name). First match wins; AU carries its own manufacturer.
_VENDOR_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (vendor, re.compile(pattern, re.IGNORECASE))
    for vendor, pattern in (
        ("FabFilter", r"^FabFilter "),
        ("iZotope", r"^iZotope |^Ozone|^Neutron|^Nectar|^Trash|^Vinyl$"),
        ("Xfer Records", r"^(Serum|OTT|LFOTool|Cthulhu)\b"),
        (
            "u-he",
            r"^(Zebra\d?|ZebraHZ|Diva|Hive|Repro-\d|Bazille(CM)?|Satin|Presswerk|Uhbik|"
            r"TripleCheese|Podolski|ACE|TyrellN6|Twangstr.m|Colour Copy|Filterscape|MFM2|Runciter|"
            r"Protoverb)\b",
        ),
        (
            "Native Instruments",
            r"^(Massive( X)?|FM8|Kontakt|Reaktor|Battery|Guitar Rig|Maschine|Absynth|Monark|Razor|"
            r"Driver|Solid (EQ|Bus Comp|Dynamics)|Supercharger|Replika|Raum|Transient Master|"
            r"Vari Comp|Enhanced EQ|Passive EQ|Form|Super 8|Kontour|Choral|Flair|Phasis)\b",
        ),
        (
            "Soundtoys",
            r"^(Decapitator|EchoBoy|Tremolator|PrimalTap|FilterFreak|PanMan|PhaseMistress|"
            r"Crystallizer|Little ?Plate|Little ?AlterBoy|Devil-Loc|Radiator|MicroShift|SuperPlate|"
            r"Sie-?Q|Little ?Radiator|Little ?MicroShift|Little ?Primal ?Tap|Soundtoys )",
        ),
        ("Tokyo Dawn Records", r"^TDR "),
        ("Valhalla DSP", r"^Valhalla"),
        ("Voxengo", r"^(SPAN|Elephant|Soniformer|Marvel GEQ|MSED|Voxengo )"),
        ("Sonic Academy", r"^(Kick \d|ANA \d?)"),
        (
            "D16 Group",
            r"^(Decimort|Devastor|Toraverb|Sigmund|PunchBox|Drumazon|Nepheton|Phoscyon|LuSH-101|"
            r"Punch-BD|Repeater|Frontier|Redoptor|Antresol|Fazortan|Syntorus)\b",
        ),
        ("Sugar Bytes", r"^(Effectrix|Turnado|WOW ?2?|Thesys|Obscurium|Cyclop|Unique|Looperator|Factory)\b"),
        ("TAL Software", r"^TAL-"),
        ("Lennar Digital", r"^Sylenth1"),
        ("Spectrasonics", r"^(Omnisphere|Keyscape|Trilian|Stylus RMX)"),
        ("Arturia", r"^(Analog Lab|Pigments|Mini V|Jup-8|Prophet|CS-80|Arturia )"),
        ("Kilohearts", r"^(Phase Plant|Snap Heap|Multipass|kHs )"),
        ("Cableguys", r"^(ShaperBox|VolumeShaper|PanShaper|FilterShaper|TimeShaper|MidiShaper)"),
        ("Sonic Charge", r"^(MicroTonic|Bitspeek|Synplant|Permut8|Echobode)"),
        ("Airwindows", r"^(Density|Console\d|Purest|ToTape|Galactic|ButterComp)"),
        ("Ohm Force", r"^(Ohmicide|Frohmage|OhmBoyz|Predatohm|Hematohm|Mobilohm|Symptohm)"),
        ("Glitchmachines", r"^(Fracture|Hysteresis|Cryogen|Subvert|Polygon|Convex|Palindrome)\b"),
        ("Camel Audio", r"^(CamelPhat|CamelSpace|Alchemy)"),
        ("Audio Damage", r"^(Dubstation|Rough ?Rider|Eos|Replicant|Discord)"),
        ("Image-Line", r"^(Sytrus|Harmor|Gross Beat|Maximus|Fruity|Harmless|Vocodex)"),
        ("reFX", r"^Nexus"),
        ("Cakewalk", r"^Rapture"),
        (
            "MeldaProduction",
            r"^M(Equalizer|Compressor|Limiter|Analyzer|PowerSynth|Autopan|Reverb|Saturator|Flanger)",
        ),
        (
            "Waves",
            r"^(CLA-|SSL |H-(Delay|Reverb|Comp)|R-(Vox|Bass|Comp|Verb)|L[123]\b|OneKnob|"
            r"Smack Attack|Torque|Abbey Road|PuigTec|API-|Renaissance|RVox|RBass|RCompressor|"
            r"C[14] |C6|MaxxBass|Vitamin|Kramer|JJP-|Scheps)",
        ),
        ("Celemony", r"^Melodyne"),
        ("Antares", r"^(Auto-Tune|AutoTune)"),
        ("Eventide", r"^(H3000|Blackhole|UltraTap|MangledVerb|SP2016|Physion|Eventide )"),
        ("Output", r"^(Arcade|Portal|Movement|Exhale|Signal|Analog Strings|Thermal)\b"),
        ("Universal Audio", r"^UAD "),
        ("Plugin Alliance", r"^(bx_|Brainworx|SPL |Shadow Hills)"),
        ("Slate Digital", r"^(VMR|Virtual (Mix Rack|Tape|Console|Buss)|FG-|Fresh Air)"),
        ("Softube", r"^(Saturation Knob|Tube-Tech|Softube )"),
        ("Apple", r"^AU[A-Z]"),
        ("Flux", r"^Flux "),
        ("Cytomic", r"^The Glue"),
        ("Nicky Romero", r"^Kickstart"),
    )
)

_AU_INSTRUMENT = 0x61756D75  # 'aumu'
_AU_EFFECTS = {0x61756678, 0x61756D66}  # 'aufx', 'aumf'
_AUV3_FLAG = 4  # ComponentFlags bit Live sets for app-extension (AUv3) components
_VST2_INSTRUMENT_CATEGORIES = {2, 11}  # kPlugCategSynth, kPlugCategGenerator
_VST2_EFFECT_CATEGORIES = {1, 3, 4, 5, 6, 7, 8, 9}
_VST3_KINDS: dict[str, PluginKind] = {"1": "instrument", "2": "effect"}


def normalise_plugin_name(raw_name: str) -> str:
    """Strip build/channel decorations and unify FabFilter's per-format spellings."""
    name = " ".join(raw_name.split())
    while True:
        stripped = _SUFFIXES.sub("", name).rstrip(" ._-")
        if stripped == name or not stripped:
            break
        name = stripped
    fabfilter = _FABFILTER_PRODUCT.match(name)
    if fabfilter and (name.startswith(("FabFilter ", "FF ")) or re.match(r"^Pro-", name)):
        return f"FabFilter {fabfilter.group(1)}"
    return name


def plugin_vendor(name: str, au_manufacturer: str | None = None, waves_shell: bool = False) -> str | None:
    if au_manufacturer:
        return au_manufacturer
    if waves_shell:
        return "Waves"
    for vendor, pattern in _VENDOR_PATTERNS:
        if pattern.search(name):
            return vendor
    return None


def _int(text: str | None) -> int | None:
    try:
        return None if text is None else int(text)
    except ValueError:
        return None


def identify_plugin(device: Element) -> PluginIdentity | None:
    """The plugin in a `PluginDevice`/`AuPluginDevice`, or None for an empty placeholder.

    Names come from the direct child of the *PluginInfo element (a preset's own `Name` comes first in
    document order and is usually empty)."""
    desc = device.find("PluginDesc")
    info = None if desc is None or len(desc) == 0 else desc[0]
    if info is None:
        return None
    if info.tag == "VstPluginInfo":
        raw = value(info, "PlugName") or ""
        category = _int(value(info, "Category"))
        kind: PluginKind = (
            "instrument"
            if category in _VST2_INSTRUMENT_CATEGORIES
            else "effect"
            if category in _VST2_EFFECT_CATEGORIES
            else "unknown"
        )
        shell = (value(info, "IsShellClient") or "").lower() == "true" or (
            value(info, "FileName") or ""
        ).startswith("WaveShell")
        fmt: PluginFormat = "VST2"
        manufacturer = None
    elif info.tag == "Vst3PluginInfo":
        raw = value(info, "Name") or ""
        kind = _VST3_KINDS.get(value(info, "DeviceType") or "", "unknown")
        shell, fmt, manufacturer = False, "VST3", None
    elif info.tag == "AuPluginInfo":
        raw = value(info, "Name") or ""
        component = _int(value(info, "ComponentType"))
        kind = (
            "instrument"
            if component == _AU_INSTRUMENT
            else "effect"
            if component in _AU_EFFECTS
            else "unknown"
        )
        fmt = "AUv3" if (_int(value(info, "ComponentFlags")) or 0) & _AUV3_FLAG else "AU"
        shell, manufacturer = False, value(info, "Manufacturer") or None
    else:
        return None
    raw = raw.strip()
    if not raw:
        return None
    name = normalise_plugin_name(raw)
    return PluginIdentity(raw, name, fmt, plugin_vendor(name, manufacturer, shell), kind)

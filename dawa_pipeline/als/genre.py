"""Genre and production-style indicators of a Live Set, each backed by the evidence found in the set.

A set's XML never says its genre, so every label here is an *indicator*: it appears only when the set holds
concrete evidence for it, and the evidence strings say what that was, so a producer can check it.

Vocabulary (`GENRE_LABELS` are styles, `TRAIT_LABELS` are production habits):

- Names beat tempo. A genre fires when a track or sample name names it ("Drill Perc", "lofi_keys_85"); the
  tempo is then cited as support when it sits in the genre's usual band.
- Only when no name gives a genre, tempo bands are tried in a fixed order and the first whose band holds the
  tempo *and* whose cues are present (drums, 808s, halftime, 4/4) fires, so one tempo never yields two
  genres. Drill, lo-fi and trance have no tempo rule: their bands overlap others' and only names tell them
  apart. Tempo is halftime-aware: names saying "halftime"/"double time", or sample loops at twice or half
  the set tempo (``SOUTHSIDExPVLACE_150_melodic_loop`` in a 75 BPM set), add that reading of the tempo.
- "ambient" also fires without a name for it, on a set with no drums and two or more pad/drone/texture names.
- Traits: "808", "drum-rack", "sampler-based", "synth-heavy", "live-instruments", "swing", "triple-meter"
  (3/4, 6/8, 12/8: a triple or compound pulse), "odd-meter" (5/4, 7/8...).

An empty set (no tracks) gets no labels. Output is deterministic: labels sorted, evidence in rule order.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from dawa_pipeline.als.devices import (
    AMP_PLUGINS,
    DRUM_PLUGINS,
    DRUM_RACK_TAG,
    SAMPLER_PLUGINS,
    SYNTH_PLUGINS,
    device_name,
    plugin_key,
)
from dawa_pipeline.als.models import Groove, Key, Overview, PluginInstance, SampleRef, TrackDetail

GENRE_LABELS: tuple[str, ...] = (
    "ambient",
    "drill",
    "drum-and-bass",
    "dubstep",
    "hip-hop",
    "house",
    "lo-fi",
    "techno",
    "trance",
    "trap",
)
TRAIT_LABELS: tuple[str, ...] = (
    "808",
    "drum-rack",
    "live-instruments",
    "odd-meter",
    "sampler-based",
    "swing",
    "synth-heavy",
    "triple-meter",
)

# --- vocabularies ---------------------------------------------------------------------------------

# Patterns run on a name normalised to lowercase words separated by single spaces ("Hip-Hop" -> "hip hop").
_GENRE_NAME_PATTERNS: dict[str, str] = {
    "ambient": r"ambient|soundscape",
    "drill": r"drill",
    "drum-and-bass": r"dnb|d and b|drum (?:and |n )?bass|jungle|neurofunk",
    "dubstep": r"dubstep|riddim|brostep|wobble",
    "hip-hop": r"hip ?hop|boom ?bap|rap",
    "house": r"house",
    "lo-fi": r"lo ?fi|chillhop",
    "techno": r"techno",
    "trance": r"trance|psytrance|supersaw",
    "trap": r"trap",
}
_DRUM_WORDS = (
    r"kick|kicks|kik|bd|snare|snares|snr|hat|hats|hihat|hihats|hi hat|hh|clap|claps|perc|percs|percussion"
    r"|drum|drums|tom|toms|cymbal|ride|crash|shaker|rim|rimshot|break|breaks|breakbeat"
)
_HALFTIME_WORDS = r"half ?time"
_DOUBLETIME_WORDS = r"double ?time"
_LOOP_WORDS = r"loop|loops|chop|chops|flip"
_LIVE_INSTRUMENT_WORDS = (
    r"guitar|guitars|gtr|acoustic|di|sax|saxophone|trumpet|trombone|horn|horns|violin|viola|cello|mic"
    r"|overheads?"
)
_SWING_GROOVE_WORDS = r"swing|shuffle|mpc|sp ?1200|dilla"
_TRACK_KINDS_WITH_MUSIC = ("MIDI", "Audio", "Group")


def _named(*tags: str) -> dict[str, str]:
    """Ableton device tags -> the names producers know."""
    return {tag: device_name(tag) for tag in tags}


# Synths that make a set "synth-heavy": the keyboard-style instruments, not Electric, Tension or Collision.
_NATIVE_SYNTHS = _named("Operator", "InstrumentVector", "Drift", "UltraAnalog", "InstrumentMeld")
_NATIVE_SAMPLERS = _named("OriginalSimpler", "MultiSampler")
_NATIVE_DRUM_DEVICES = _named(DRUM_RACK_TAG, "InstrumentImpulse")
_NATIVE_AMPS = _named("Amp", "Cabinet")


# Typical tempo of each genre, in BPM. Cited as support when a name gives the genre.
_GENRE_TEMPOS: dict[str, tuple[float, float]] = {
    "drum-and-bass": (160, 180),
    "trap": (130, 170),
    "dubstep": (135, 145),
    "techno": (126, 150),
    "house": (115, 126),
    "hip-hop": (70, 100),
    "drill": (138, 146),
    "lo-fi": (60, 90),
    "trance": (128, 145),
}
# When no name gives a genre: tried in this order, the first genre whose band holds a tempo reading and whose
# cues are all present fires. Drill, lo-fi and trance have no rule (their bands overlap others' and only a
# name tells them apart).
_TEMPO_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("drum-and-bass", ("drums", "common-time")),
    ("trap", ("drums", "808", "common-time")),
    ("dubstep", ("drums", "halftime", "common-time")),
    ("techno", ("drums", "common-time")),
    ("house", ("drums", "common-time")),
    ("hip-hop", ("drums", "common-time")),
)
_MINOR_LEANING = ("drill", "trap")
# Sample packs call room sound "ambient" ('Snare-AmbientLoudPunch'): only track names say the genre.
_TRACK_NAMES_ONLY = ("ambient",)
_LIVE_DEFAULT_TEMPO = 120.0
_BPM_TOLERANCE = 0.03
_MAX_NAMES = 3


# --- text helpers ---------------------------------------------------------------------------------


def _word_forms(name: str) -> tuple[str, ...]:
    """Lowercase words of a name, split at separators and digit runs, without and with camelCase splits.

    Both forms are kept because camelCase helps 'PercLoop' (-> 'perc loop') but breaks 'DnB' (-> 'dn b').
    """
    name = name.replace("&", " and ")
    digits_split = re.sub(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])", " ", name)
    camel_split = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", digits_split)
    return tuple(" ".join(re.findall(r"[a-z0-9]+", form.lower())) for form in (digits_split, camel_split))


def _words_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?:^| )(?:{pattern})(?: |$)")


def _says(pattern: str, name: str) -> bool:
    regex = _words_regex(pattern)
    return any(regex.search(form) for form in _word_forms(name))


def _quoted(names: Sequence[str]) -> str:
    """'A', 'B', 'C' and 2 more — evidence stays short on sets with hundreds of matches."""
    shown = ", ".join(f"'{name}'" for name in names[:_MAX_NAMES])
    return shown if len(names) <= _MAX_NAMES else f"{shown} and {len(names) - _MAX_NAMES} more"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _stem(file_name: str) -> str:
    return re.sub(r"\.[A-Za-z0-9]{2,5}$", "", file_name)


def _sample_bpm(file_name: str) -> float | None:
    """A BPM written in a sample name: '120bpm', or a bare 60-200 number ('..._150_melodic_loop')."""
    tokens = re.split(r"[^A-Za-z0-9]+", _stem(file_name).lower())
    for token in tokens:
        tagged = re.fullmatch(r"(\d{2,3})bpm|bpm(\d{2,3})", token)
        if tagged:
            return float(tagged.group(1) or tagged.group(2))
    bare = [float(t) for t in tokens if re.fullmatch(r"[1-9]\d{1,2}", t) and 60 <= int(t) <= 200]
    return bare[0] if bare else None


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= target * _BPM_TOLERANCE


# --- the set, reduced to what the rules read --------------------------------------------------------


@dataclass(frozen=True)
class _NamedThing:
    kind: str  # "track" or "sample"
    name: str
    forms: tuple[str, ...]

    @classmethod
    def of(cls, kind: str, name: str) -> _NamedThing:
        return cls(kind, name, _word_forms(name))

    def __str__(self) -> str:
        return f"{self.kind} '{self.name}'"


class _SetFacts:
    """Everything the rules look at, computed once per set."""

    def __init__(
        self,
        overview: Overview,
        tracks: list[TrackDetail],
        plugins: list[PluginInstance],
        samples: list[SampleRef],
    ) -> None:
        self.overview = overview
        self.music_tracks = [t for t in tracks if t.type in _TRACK_KINDS_WITH_MUSIC]
        self.named = [_NamedThing.of("track", t.name) for t in self.music_tracks] + [
            _NamedThing.of("sample", _stem(s.name)) for s in samples
        ]
        self.tracks = tracks
        self.plugins = plugins
        self.samples = samples
        self.numerator = _numerator(overview.time_signature)
        drum_tracks = {t.name for t in tracks if set(t.native_devices) & set(_NATIVE_DRUM_DEVICES)}
        self.other_tracks = {t.name for t in tracks} - drum_tracks
        self.audio_tracks = {t.name for t in tracks if t.type == "Audio"}

    def naming(self, pattern: str) -> list[_NamedThing]:
        regex = _words_regex(pattern)
        return [thing for thing in self.named if any(regex.search(form) for form in thing.forms)]

    def tracks_with_devices(
        self, devices: dict[str, str], within: Collection[str] | None = None
    ) -> dict[str, list[str]]:
        """Device display name -> tracks holding it (only tracks in `within`, if given), in set order."""
        found: dict[str, list[str]] = {}
        for track in self.tracks:
            if within is not None and track.name not in within:
                continue
            for tag in _unique(d for d in track.native_devices if d in devices):
                found.setdefault(devices[tag], []).append(track.name)
        return found

    def tracks_with_plugins(
        self, families: Sequence[str], within: Collection[str] | None = None
    ) -> dict[str, list[str]]:
        """Plugin name -> tracks holding it, for plugins whose key starts with one of `families`."""
        found: dict[str, list[str]] = {}
        for plugin in self.plugins:
            if within is not None and plugin.track not in within:
                continue
            if plugin_key(plugin.name).startswith(tuple(families)):
                tracks = found.setdefault(plugin.name, [])
                if plugin.track not in tracks:
                    tracks.append(plugin.track)
        return found


def _numerator(signature: str) -> int | None:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*\d+\s*", signature)
    return int(match.group(1)) if match else None


def _on_tracks(found: dict[str, list[str]]) -> list[str]:
    return [
        f"{name} on {_plural(len(tracks), 'track')} ({_quoted(tracks)})"
        for name, tracks in sorted(found.items())
    ]


def _named_evidence(things: Sequence[_NamedThing], what: str = "") -> list[str]:
    return [f"{thing} {what}".rstrip() for thing in things[:_MAX_NAMES]] + (
        [f"and {_plural(len(things) - _MAX_NAMES, 'more name')}"] if len(things) > _MAX_NAMES else []
    )


# --- cues shared by the rules -----------------------------------------------------------------------


def _drum_evidence(facts: _SetFacts) -> list[str]:
    evidence = _on_tracks(facts.tracks_with_devices(_NATIVE_DRUM_DEVICES))
    evidence += _on_tracks(facts.tracks_with_plugins(DRUM_PLUGINS))
    drum_names = _unique(t.name for t in facts.naming(_DRUM_WORDS))
    if len(drum_names) >= 2:  # one stray 'hat' sample is not a drum part
        evidence.append(f"drum names: {_quoted(drum_names)}")
    return evidence


def _808_evidence(facts: _SetFacts) -> list[str]:
    evidence = _named_evidence(facts.naming("808"))
    return evidence + [f"plugin '{name}'" for name in facts.tracks_with_plugins(("808",))]


def _halftime_evidence(facts: _SetFacts) -> list[str]:
    return [f"{thing} says halftime" for thing in facts.naming(_HALFTIME_WORDS)]


def _tempo_readings(facts: _SetFacts) -> list[tuple[float, str]]:
    """The set tempo, plus halftime/double-time readings where names or sample loops say so.

    None for Live's default 120 BPM: a set left at the default says nothing about its genre.
    """
    tempo = facts.overview.tempo
    if tempo == _LIVE_DEFAULT_TEMPO:
        return []
    readings = [(tempo, f"tempo {tempo:.0f} BPM")]
    halftime = _halftime_evidence(facts)
    doubled = [str(t) for t in facts.naming(_DOUBLETIME_WORDS)]
    halved: list[str] = []
    for sample in facts.samples:
        bpm = _sample_bpm(sample.name)
        if bpm is not None and _close(bpm, tempo * 2):
            doubled.append(f"sample '{_stem(sample.name)}' at {bpm:.0f} BPM")
        elif bpm is not None and _close(bpm, tempo / 2):
            halved.append(f"sample '{_stem(sample.name)}' at {bpm:.0f} BPM")
    if halftime or halved:
        why = halftime[0] if halftime else halved[0]
        readings.append((tempo / 2, f"halftime {tempo / 2:.0f} BPM ({why})"))
    if doubled:
        readings.append((tempo * 2, f"double-time {tempo * 2:.0f} BPM ({doubled[0]})"))
    return readings


# --- rules ----------------------------------------------------------------------------------------


def _trait_evidence(facts: _SetFacts, groove: Groove) -> dict[str, list[str]]:
    traits: dict[str, list[str]] = {}
    traits["808"] = _808_evidence(facts)

    racks = [t.name for t in facts.tracks for d in t.native_devices if d == "DrumGroupDevice"]
    if racks:
        traits["drum-rack"] = [f"{_plural(len(racks), 'DrumGroupDevice rack')} on {_quoted(_unique(racks))}"]

    traits["sampler-based"] = _sampler_evidence(facts)
    traits["synth-heavy"] = _synth_evidence(facts)
    traits["live-instruments"] = _live_instrument_evidence(facts)

    swing_grooves = [name for name in groove.grooves if _says(_SWING_GROOVE_WORDS, name)]
    if swing_grooves and (groove.global_amount is None or groove.global_amount > 0):
        amount = "" if groove.global_amount is None else f"GlobalGrooveAmount {groove.global_amount:g} with "
        traits["swing"] = [f"{amount}groove{'s' if len(swing_grooves) != 1 else ''} {_quoted(swing_grooves)}"]

    if facts.numerator is not None and facts.numerator % 3 == 0:
        traits["triple-meter"] = [f"time signature {facts.overview.time_signature}"]
    elif facts.numerator is not None and facts.numerator >= 5 and facts.numerator % 2 == 1:
        traits["odd-meter"] = [f"time signature {facts.overview.time_signature}"]
    return traits


def _sampler_evidence(facts: _SetFacts) -> list[str]:
    """Samplers playing material (not drum pads): Simpler/Sampler on tracks without drum devices, loops."""
    melodic = facts.tracks_with_devices(_NATIVE_SAMPLERS, within=facts.other_tracks)
    evidence = [f"{line} without a drum rack" for line in _on_tracks(melodic)]
    evidence += _on_tracks(facts.tracks_with_plugins(SAMPLER_PLUGINS))
    loops = [t.name for t in facts.naming(_LOOP_WORDS) if t.kind == "sample"]
    if loops:
        evidence.append(f"{_plural(len(loops), 'sample loop')} ({_quoted(loops)})")
    if evidence:
        evidence += _audio_ratio_evidence(facts, at_least=0.5)
    return evidence


def _synth_evidence(facts: _SetFacts) -> list[str]:
    """Synths on two or more tracks and on at least half the MIDI tracks (drum synths in drum racks aside)."""
    synths = {
        **facts.tracks_with_devices(_NATIVE_SYNTHS, within=facts.other_tracks),
        **facts.tracks_with_plugins(SYNTH_PLUGINS, within=facts.other_tracks),
    }
    synth_tracks = {track for tracks in synths.values() for track in tracks}
    midi_tracks = [t for t in facts.music_tracks if t.type == "MIDI"]
    if len(synth_tracks) >= 2 and len(synth_tracks) * 2 >= max(len(midi_tracks), 1):
        return _on_tracks(synths)
    return []


def _live_instrument_evidence(facts: _SetFacts) -> list[str]:
    """Amps on audio tracks (on a synth they are sound design) and instrument names of audio tracks."""
    evidence = _on_tracks(facts.tracks_with_devices(_NATIVE_AMPS, within=facts.audio_tracks))
    evidence += _on_tracks(facts.tracks_with_plugins(AMP_PLUGINS, within=facts.audio_tracks))
    audio_tracks = [t for t in facts.music_tracks if t.type == "Audio"]
    audio_names = [t.name for t in audio_tracks] + [_stem(f) for t in audio_tracks for f in t.sample_files]
    played = _unique(name for name in audio_names if _says(_LIVE_INSTRUMENT_WORDS, name))
    if played:
        evidence.append(f"recorded-instrument names on audio tracks: {_quoted(played)}")
    if evidence:
        evidence += _audio_ratio_evidence(facts, at_least=0.5)
    return evidence


def _audio_ratio_evidence(facts: _SetFacts, at_least: float) -> list[str]:
    audio = sum(1 for t in facts.music_tracks if t.type == "Audio")
    playable = sum(1 for t in facts.music_tracks if t.type in ("Audio", "MIDI"))
    if playable and audio / playable >= at_least:
        return [f"{audio} of {playable} tracks are audio"]
    return []


def _in_band(genre: str, readings: Sequence[tuple[float, str]]) -> str | None:
    """Evidence line for the first tempo reading inside the genre's band, if any."""
    low, high = _GENRE_TEMPOS[genre]
    reading = next((text for bpm, text in readings if low <= bpm <= high), None)
    return None if reading is None else f"{reading} in the {genre} band {low:.0f}-{high:.0f} BPM"


def _genre_evidence(facts: _SetFacts, traits: dict[str, list[str]], key: Key) -> dict[str, list[str]]:
    """Names beat tempo: named genres get the tempo as support, else the first matching tempo rule fires."""
    readings = _tempo_readings(facts)
    genres: dict[str, list[str]] = {}
    for genre, pattern in _GENRE_NAME_PATTERNS.items():
        named = [t for t in facts.naming(pattern) if t.kind == "track" or genre not in _TRACK_NAMES_ONLY]
        band = _in_band(genre, readings) if genre in _GENRE_TEMPOS else None
        by_track = any(t.kind == "track" for t in named)
        if by_track or len(named) >= 2 or (named and band):
            genres[genre] = _named_evidence(named, f"names {genre}") + ([band] if band else [])

    drums = _drum_evidence(facts)
    if not genres:
        cues: dict[str, list[str]] = {
            "drums": drums,
            "808": traits["808"],
            "halftime": _halftime_evidence(facts),
            "common-time": [f"{facts.overview.time_signature} time"] if facts.numerator in (2, 4) else [],
        }
        for genre, needed in _TEMPO_RULES:
            band = _in_band(genre, readings)
            if band and all(cues[cue] for cue in needed):
                support = (line for cue in needed if cue != "common-time" for line in cues[cue])
                genres[genre] = _unique([band, *support])
                break

    if key.mode == "minor" and key.name:
        for genre in _MINOR_LEANING:
            if genre in genres:
                genres[genre].append(f"key {key.name}")

    if "ambient" not in genres and not drums:
        textures = facts.naming(r"pad|pads|drone|atmos|atmosphere|texture|textures|ambience|soundscape")
        if len(textures) >= 2:
            genres["ambient"] = ["no drums in the set", *_named_evidence(textures, "is a texture")]
    return genres


def infer_genres(
    overview: Overview,
    tracks: list[TrackDetail],
    plugins: list[PluginInstance],
    samples: list[SampleRef],
    groove: Groove,
    key: Key,
) -> tuple[list[str], dict[str, list[str]]]:
    """Genre and style labels of a set (sorted) and, for each label, the evidence backing it."""
    if not any(t.type in _TRACK_KINDS_WITH_MUSIC for t in tracks):
        return [], {}
    facts = _SetFacts(overview, tracks, plugins, samples)
    traits = _trait_evidence(facts, groove)
    evidence = {**traits, **_genre_evidence(facts, traits, key)}
    backed = {label: lines for label, lines in evidence.items() if lines}
    labels = sorted(backed)
    return labels, {label: backed[label] for label in labels}


__all__ = ["GENRE_LABELS", "TRAIT_LABELS", "infer_genres"]

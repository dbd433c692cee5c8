"""Captions for MusicGen training items: the model, the evidence a writer may use, the rules a caption obeys.

MusicGen practice (research notes §2): 1-3 English sentences about the sound (genre, instruments, mood, tempo,
key), at most 60 words, never an artist's or person's name; structured tags kept beside the sentence so
audiocraft can mix them into the text. Writers (offline templates, OpenAI) see only `CaptionContext`, which is
built from generic labels, so names in track titles or profile text never reach them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from dawa_pipeline.als.models import AlsSummary

SYSTEM_PROMPT_VERSION = "caption-v1"
MAX_WORDS = 60
MAX_SENTENCES = 3
MAX_TAG_WORDS = 4
MAX_TAGS = 8

CAPTION_RULES = (
    f"Write 1 to {MAX_SENTENCES} plain English sentences, at most {MAX_WORDS} words in total, describing how "
    "the music sounds: genre, instruments and sound design, mood and energy, tempo in bpm and key when "
    "known. "
    "Never mention an artist, band, label, producer or any person's name, song titles, plugin brand names "
    "or lyrics. Use only ASCII letters, digits and ordinary punctuation. Fill the tag lists with short "
    f"lower-case labels (at most {MAX_TAG_WORDS} words each, at most {MAX_TAGS} per list) taken from the "
    "evidence; copy bpm and key from the evidence or use null when it has none."
)
"""The rules every writer follows; `caption_problems` checks them."""

_ALLOWED_TEXT = re.compile(r"^[A-Za-z0-9 ,.;:!?'\"()\-/&#+%]*$")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


class Caption(BaseModel):
    """A training caption plus its tags. Also the structured-output schema given to OpenAI (strict mode: every
    field required, no defaults, no extra keys)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="1-3 English sentences about the sound, at most 60 words, no names")
    genre: list[str] = Field(description="genre labels, most specific first")
    moods: list[str] = Field(description="mood and energy labels")
    instruments: list[str] = Field(description="instruments and sound sources heard")
    bpm: float | None = Field(description="tempo in beats per minute, or null")
    key: str | None = Field(description="musical key such as 'A minor', or null")
    keywords: list[str] = Field(description="other short descriptive tags (texture, production, rhythm)")


class CaptionContext(BaseModel):
    """The evidence about one set that a writer may use, already reduced to generic labels, plus the names
    that must not appear in the caption."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    genres: list[str]
    instruments: list[str]
    synth_palette: list[str]
    drum_palette: list[str]
    effects: list[str]
    moods: list[str]
    textures: list[str]
    bpm: float | None
    key: str | None
    time_signature: str | None
    audio_seconds: float | None
    forbidden_names: list[str]

    def evidence(self) -> dict[str, Any]:
        """What a writer is shown: everything except the forbidden names (never prime a model with them)."""
        return self.model_dump(exclude={"forbidden_names"})


class CaptionError(Exception):
    """A writer could not produce a caption; `reason` says why in words a person can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CaptionRefused(CaptionError):
    """The model declined to write the caption."""


class CaptionFailed(CaptionError):
    """The writer failed: service error, timeout, invalid output, or a caption that breaks the rules."""


class PromptWriter(Protocol):
    """Writes one caption from one context. `name` is stamped on training items as `model_name`."""

    name: str

    def write(self, context: CaptionContext) -> Caption: ...


# --- rules -----------------------------------------------------------------------------------------------


def normalise_caption(caption: Caption) -> Caption:
    """Fold typographic punctuation and stray whitespace to plain ASCII, so models' curly quotes and dashes
    do not fail the character rule."""

    def clean(value: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", value).translate(_TYPOGRAPHIC).split())

    def clean_tags(values: list[str]) -> list[str]:
        return _dedupe(clean(v).lower() for v in values if clean(v))

    return caption.model_copy(
        update={
            "text": clean(caption.text),
            "genre": clean_tags(caption.genre),
            "moods": clean_tags(caption.moods),
            "instruments": clean_tags(caption.instruments),
            "keywords": clean_tags(caption.keywords),
            "key": (clean(caption.key) or None) if caption.key is not None else None,
        }
    )


def sentence_count(text: str) -> int:
    """Sentences as a reader counts them: pieces ending in . ! or ? (decimals like 124.5 do not split)."""
    return sum(1 for piece in _SENTENCE_END.split(text) if re.search(r"[A-Za-z]", piece))


def word_count(text: str) -> int:
    return len(text.split())


def name_pattern(name: str) -> re.Pattern[str] | None:
    """A case-insensitive whole-word pattern for `name`; None for names too short to match meaningfully."""
    words = name.split()
    if len("".join(words)) < 2:
        return None
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])", re.IGNORECASE)


def mentions_name(text: str, forbidden_names: Sequence[str]) -> str | None:
    """The first forbidden name found in `text` as a whole word, else None."""
    for name in forbidden_names:
        pattern = name_pattern(name)
        if pattern is not None and pattern.search(text):
            return name
    return None


def caption_problems(
    caption: Caption, forbidden_names: Sequence[str], *, context: CaptionContext | None = None
) -> list[str]:
    """Every way `caption` breaks the MusicGen caption rules; empty when it is fit for training.

    With `context`, also require tags wherever the evidence has something to tag.
    """
    problems: list[str] = []
    text = caption.text.strip()
    if not text:
        return ["caption text is empty"]
    if "\n" in text or "\r" in text:
        problems.append("caption text spans several lines")
    sentences = sentence_count(text)
    if not 1 <= sentences <= MAX_SENTENCES:
        problems.append(f"caption has {sentences} sentences (1-{MAX_SENTENCES} allowed)")
    words = word_count(text)
    if words > MAX_WORDS:
        problems.append(f"caption has {words} words (at most {MAX_WORDS})")
    bad_chars = sorted({c for c in text if not _ALLOWED_TEXT.match(c)})
    if bad_chars:
        problems.append(f"caption has characters outside plain English text: {''.join(bad_chars)!r}")
    tags = {
        "genre": caption.genre,
        "moods": caption.moods,
        "instruments": caption.instruments,
        "keywords": caption.keywords,
    }
    for field, values in tags.items():
        problems.extend(_tag_problems(field, values))
    if caption.key is not None and not _ALLOWED_TEXT.match(caption.key):
        problems.append(f"key {caption.key!r} has characters outside plain English text")
    if caption.bpm is not None and not 20.0 <= caption.bpm <= 999.0:
        problems.append(f"bpm {caption.bpm} is outside 20-999")
    for where, value in [
        ("text", text),
        *((f, " | ".join(v)) for f, v in tags.items()),
        ("key", caption.key),
    ]:
        leaked = mentions_name(value or "", forbidden_names)
        if leaked is not None:
            problems.append(f"caption {where} names {leaked!r}")
    if context is not None:
        problems.extend(_missing_tag_problems(caption, context))
    return problems


def _tag_problems(field: str, values: Sequence[str]) -> list[str]:
    problems = []
    if len(values) > MAX_TAGS:
        problems.append(f"{field} has {len(values)} tags (at most {MAX_TAGS})")
    for value in values:
        if not value.strip() or word_count(value) > MAX_TAG_WORDS or not _ALLOWED_TEXT.match(value):
            problems.append(f"{field} tag {value!r} is not a short plain-English label")
    return problems


def _missing_tag_problems(caption: Caption, context: CaptionContext) -> list[str]:
    expected = {
        "genre": (context.genres, caption.genre),
        "moods": (context.moods, caption.moods),
        "instruments": (
            context.instruments + context.synth_palette + context.drum_palette,
            caption.instruments,
        ),
    }
    problems = [
        f"{field} is empty although the evidence has some"
        for field, (ev, got) in expected.items()
        if ev and not got
    ]
    if context.bpm is not None and caption.bpm is None:
        problems.append("bpm is missing although the set has a tempo")
    return problems


# --- evidence --------------------------------------------------------------------------------------------

_TRACK_WORDS: tuple[tuple[str, str], ...] = (
    (r"kick|bassdrum|bd", "kick drum"),
    (r"snare|snr", "snare"),
    (r"clap", "claps"),
    (r"hi-?hats?|hh|hats?|hihats?", "hi-hats"),
    (r"perc\w*|conga|bongo|shaker|tamb\w*|tom", "percussion"),
    (r"cymbals?|crash|ride", "cymbals"),
    (r"drums?|beats?|breaks?|breakbeat", "drums"),
    (r"sub|subbass|808", "sub bass"),
    (r"bass(?!\s?drum)\w*", "bass"),
    (r"pads?", "synth pads"),
    (r"leads?", "synth lead"),
    (r"arps?|arpeggio\w*", "arpeggiated synth"),
    (r"plucks?", "plucked synth"),
    (r"chords?|stabs?", "chord stabs"),
    (r"pianos?", "piano"),
    (r"keys|rhodes|e-?piano|wurli\w*", "electric piano"),
    (r"organs?", "organ"),
    (r"guitars?|gtr", "guitar"),
    (r"strings?|violins?|cellos?|orchestra\w*", "strings"),
    (r"brass|horns?|trumpets?|sax\w*", "brass"),
    (r"vox|vocals?|voices?|choir|vocal\w*", "vocals"),
    (r"flutes?", "flute"),
    (r"bells?|chimes?", "bells"),
    (r"risers?|sweeps?|impacts?|fx|sfx", "risers and effects"),
    (r"synths?", "synths"),
)
_TRACK_PATTERNS = tuple((re.compile(rf"(?<![a-z]){p}(?![a-z])"), label) for p, label in _TRACK_WORDS)
_DRUM_LABELS = {"kick drum", "snare", "claps", "hi-hats", "percussion", "cymbals", "drums"}

_NATIVE_INSTRUMENTS = {
    "Operator": "FM synths",
    "InstrumentVector": "wavetable synths",
    "UltraAnalog": "analog synths",
    "Drift": "analog-style synths",
    "InstrumentMeld": "layered synths",
    "OriginalSimpler": "sampled sounds",
    "MultiSampler": "sampled sounds",
    "LoungeLizard": "electric piano",
    "StringStudio": "plucked strings",
    "Collision": "mallet percussion",
}
_NATIVE_DRUMS = {
    "DrumGroupDevice": "programmed drums",
    "InstrumentImpulse": "drum machine hits",
    "DrumCell": "drum machine hits",
}
_NATIVE_EFFECTS = {
    "Reverb": "reverb",
    "Hybrid": "reverb",
    "Delay": "delay",
    "PingPongDelay": "delay",
    "FilterDelay": "delay",
    "Echo": "tape echo",
    "Saturator": "saturation",
    "Overdrive": "distortion",
    "Pedal": "distortion",
    "Roar": "distortion",
    "Redux": "bitcrushing",
    "Redux2": "bitcrushing",
    "Vinyl": "vinyl texture",
    "Chorus": "chorus",
    "Chorus2": "chorus",
    "Phaser": "phaser",
    "PhaserNew": "phaser",
    "Flanger": "flanger",
    "AutoFilter": "filter sweeps",
    "AutoFilter2": "filter sweeps",
    "Vocoder": "vocoder",
    "GrainDelay": "granular textures",
}
_SYNTH_PLUGINS: tuple[tuple[str, str], ...] = (
    (r"serum|vital|massive|hive|pigments", "wavetable synths"),
    (r"sylenth|spire|avenger|synth1", "virtual analog synths"),
    (r"diva|repro|jup|juno|prophet|mini ?v|minimoog|ob-?x|cs-?80|tal-u-no", "analog-modelled synths"),
    (r"omnisphere|nexus|kontakt|spitfire|labs", "sampled instruments"),
    (r"keyscape|pianoteq|piano", "piano"),
    (r"battery|xo|addictive drums|drummer|ezdrummer|geist", "sampled drums"),
    (r"dx7|fm8|dexed", "FM synths"),
)
_TRAITS: dict[str, tuple[str, str]] = {
    "808": ("instruments", "808 bass"),
    "drum-rack": ("drums", "programmed drums"),
    "sampler-based": ("textures", "sampled loops"),
    "synth-heavy": ("textures", "dense synth layers"),
    "live-instruments": ("textures", "live instruments"),
    "swing": ("textures", "swung groove"),
    "triple-meter": ("textures", "triple meter"),
    "odd-meter": ("textures", "odd meter"),
}
"""The parser's production-trait indicators (als/genre.py TRAIT_LABELS): where each goes and how it reads.
Every other indicator is a genre."""
_MIN_KEY_CONFIDENCE = 0.5


def caption_context(
    summary: AlsSummary, master_schema: Mapping[str, Any], *, audio_duration: float | None = None
) -> CaptionContext:
    """Reduce one set's summary and its artist's master schema to generic evidence for a caption writer.

    The master schema is read defensively (it is people's JSON): missing or mistyped keys give no evidence.
    Free-text evidence that names anyone forbidden is dropped here, so no writer ever sees it.
    """
    forbidden = forbidden_names(summary, master_schema)
    artist = _mapping(master_schema.get("artist"))
    identities = _mapping(artist.get("core_identities"))
    aggregates = _mapping(master_schema.get("daw_fingerprint_aggregates"))
    catalog = [_mapping(entry) for entry in _list(master_schema.get("catalog"))]
    entry = _catalog_entry(summary, catalog)

    genres = [g.replace("-and-", " and ") for g in summary.genre_indicators if g not in _TRAITS]
    traits: dict[str, list[str]] = {"instruments": [], "drums": [], "textures": []}
    for indicator in summary.genre_indicators:
        if indicator in _TRAITS:
            field, phrase = _TRAITS[indicator]
            traits[field].append(phrase)
    track_labels = [label for track in summary.tracks for label in _track_labels(track.name)]
    devices = [device for track in summary.tracks for device in track.native_devices]
    instrument_plugins = [p.name for p in summary.plugins if p.kind == "instrument"]
    drum_palette = aggregates.get("drum_palette")
    drum_texts = [
        _with_noun(text, noun)
        for field, noun in (("kick_character", "kick"), ("snare_clap_character", "snare"))
        for text in _strings(_mapping(drum_palette).get(field))
    ]

    if entry is not None:
        moods = _strings(entry.get("mood_profile"))
    else:
        counts = Counter(m.lower() for e in catalog for m in _strings(e.get("mood_profile")))
        moods = [m for m, _ in counts.most_common()]
    moods += _strings(identities.get("energy_profile"))

    def labels(values: Iterable[str]) -> list[str]:
        return _clean_labels(values, forbidden)

    return CaptionContext(
        genres=labels(
            [
                *genres,
                *_strings(identities.get("primary_genre_space")),
                *_strings(identities.get("secondary_spaces")),
            ]
        ),
        instruments=labels([*traits["instruments"], *(t for t in track_labels if t not in _DRUM_LABELS)]),
        synth_palette=labels(
            [
                *(_NATIVE_INSTRUMENTS[d] for d in devices if d in _NATIVE_INSTRUMENTS),
                *(_plugin_label(name) for name in instrument_plugins),
            ]
        ),
        drum_palette=labels(
            [
                *traits["drums"],
                *(label for label in track_labels if label in _DRUM_LABELS),
                *(_NATIVE_DRUMS[d] for d in devices if d in _NATIVE_DRUMS),
                *drum_texts,
            ]
        ),
        effects=labels(_NATIVE_EFFECTS[d] for d in devices if d in _NATIVE_EFFECTS),
        moods=labels(moods),
        textures=labels(
            [
                *traits["textures"],
                *_strings(identities.get("sound_design_signature")),
                *_strings(identities.get("melodic_character")),
                *(_strings(entry.get("core_tags")) if entry is not None else []),
            ]
        ),
        bpm=_tempo(summary),
        key=_key(summary, entry),
        time_signature=summary.overview.time_signature or None,
        audio_seconds=round(audio_duration, 2) if audio_duration is not None else None,
        forbidden_names=forbidden,
    )


def forbidden_names(summary: AlsSummary, master_schema: Mapping[str, Any]) -> list[str]:
    """Every artist or person name known for this set: the set's artist, the profile's name and members, and
    each catalog entry's primary artist and remixer (collaborations split into their parts)."""
    artist = _mapping(master_schema.get("artist"))
    raw = [
        summary.artist_name,
        *_strings(artist.get("name")),
        *_strings(_mapping(master_schema.get("uuids")).get("name")),
        *_strings(artist.get("members")),
    ]
    for entry in _list(master_schema.get("catalog")):
        raw += _strings(_mapping(entry).get("primary_artist")) + _strings(_mapping(entry).get("remixer"))
    names: list[str] = []
    for name in raw:
        names.append(name)
        names += re.split(
            r"\s*(?:&|,|/|\+|\bfeat\.?|\bft\.?|\bvs\.?|\bx\b|\band\b)\s*", name, flags=re.IGNORECASE
        )
    return _dedupe(" ".join(n.split()) for n in names if name_pattern(" ".join(n.split())) is not None)


def _track_labels(track_name: str) -> list[str]:
    """Instrument labels a track name suggests ("LeadSynth" -> synth lead, synths); never the name itself."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", track_name).lower()
    spaced = re.sub(r"[^a-z0-9-]+", " ", spaced)
    return [label for pattern, label in _TRACK_PATTERNS if pattern.search(spaced)]


def most_specific(labels: list[str]) -> list[str]:
    """Drop a label when a more specific one covers it ("drums" beside "programmed drums", "bass" beside
    "sub bass")."""
    stems = {label: {word.rstrip("s") for word in label.split()} for label in labels}
    return [label for label in labels if not any(stems[label] < stems[other] for other in labels)]


def _with_noun(description: str, noun: str) -> str:
    """'punchy' -> 'punchy kick'; descriptions already naming a drum stay as they are."""
    return (
        description
        if re.search(r"kick|snare|clap|drum|bd", description, re.IGNORECASE)
        else f"{description} {noun}"
    )


def _plugin_label(plugin_name: str) -> str:
    lowered = plugin_name.lower()
    for pattern, label in _SYNTH_PLUGINS:
        if re.search(rf"(?<![a-z]){pattern}", lowered):
            return label
    return "software synths"


def _catalog_entry(summary: AlsSummary, catalog: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The catalog work this set belongs to, matched by title against the project or set name."""
    candidates = {summary.project_name.casefold(), summary.als_stem.casefold()}
    for entry in catalog:
        title = entry.get("title")
        if isinstance(title, str) and title.strip().casefold() in candidates:
            return entry
    return None


def _tempo(summary: AlsSummary) -> float | None:
    tempo = summary.overview.tempo
    return round(tempo, 2) if 20.0 <= tempo <= 999.0 else None


def _key(summary: AlsSummary, entry: Mapping[str, Any] | None) -> str | None:
    key = summary.key
    if key.name and key.source != "none" and key.confidence >= _MIN_KEY_CONFIDENCE:
        candidate: str | None = key.name
    else:
        candidate = next(iter(_strings(entry.get("key_center"))), None) if entry is not None else None
    if candidate is None:
        return None
    candidate = " ".join(candidate.split())
    return candidate if _ALLOWED_TEXT.match(candidate) and word_count(candidate) <= 3 else None


def _clean_labels(values: Iterable[str], forbidden: Sequence[str]) -> list[str]:
    """Short ASCII lower-case labels, without parentheticals, names, or duplicates."""
    cleaned = []
    for value in values:
        label = re.sub(r"\([^)]*\)", " ", unicodedata.normalize("NFKC", value).translate(_TYPOGRAPHIC))
        label = " ".join(label.replace("_", " ").split()).strip(" ,.;:-").lower()
        if (
            label
            and word_count(label) <= MAX_TAG_WORDS
            and _ALLOWED_TEXT.match(label)
            and re.search(r"[a-z]", label)
            and mentions_name(label, forbidden) is None
        ):
            cleaned.append(label)
    return most_specific(_dedupe(cleaned))[:MAX_TAGS]


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    return [v for v in _list(value) if isinstance(v, str) and v.strip()]

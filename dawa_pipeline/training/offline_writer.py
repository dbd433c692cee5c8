"""The offline caption writer: deterministic sentences composed from the evidence, no network.

It is the default writer (no OPENAI_API_KEY) and the one the demo runs on, so its captions must always pass
`caption_problems`; the template for a set is picked from a hash of its evidence, so re-running gives the same
caption while different sets get varied wording.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from dawa_pipeline.training.captions import (
    MAX_TAGS,
    Caption,
    CaptionContext,
    CaptionFailed,
    caption_problems,
    most_specific,
    normalise_caption,
)

_FALLBACK_GENRE = "electronic"
_FALLBACK_SOUNDS = ("synths",)

_OPENINGS = (
    "{a} {mood}{genre} track built on {sounds}.",
    "{mood}{genre} instrumental featuring {sounds}.",
    "{a} {mood}{genre} piece layering {sounds}.",
)
_RHYTHM = (
    "The groove rests on {drums}{colour}.",
    "The rhythm is carried by {drums}{colour}.",
    "Underneath sits a pulse of {drums}{colour}.",
)
_COLOUR = (", with {effects} shaping the sound", ", coloured by {effects}", " beneath {effects}")
_TEMPO = (
    "It moves at {bpm:g} bpm{in_key}.",
    "The tempo sits at {bpm:g} bpm{in_key}.",
    "It runs at {bpm:g} bpm{in_key}.",
)
_KEY_ONLY = "It is written in {key}."


class OfflineWriter:
    """Template captions from the evidence; `name` is stamped as the training item's model name."""

    name = "dawa-offline-v1"

    def write(self, context: CaptionContext) -> Caption:
        choice = int.from_bytes(hashlib.sha256(context.model_dump_json().encode()).digest()[:8], "big")
        for limit in (3, 2, 1):
            caption = normalise_caption(_compose(context, choice, limit))
            problems = caption_problems(caption, context.forbidden_names, context=context)
            if not problems:
                return caption
        raise CaptionFailed(f"offline writer could not satisfy the caption rules: {'; '.join(problems)}")


def _compose(context: CaptionContext, choice: int, limit: int) -> Caption:
    """One caption using at most `limit` labels per list; smaller limits keep long labels under the cap."""
    genre = context.genres[0] if context.genres else _FALLBACK_GENRE
    sounds = most_specific(context.instruments + context.synth_palette)[:limit] or list(_FALLBACK_SOUNDS)
    drums = context.drum_palette[: max(1, limit - 1)]
    moods = context.moods[: min(limit, 2)]
    colour_terms = (context.effects + context.textures)[: max(1, limit - 1)]

    mood = f"{_join(moods, 'and')} " if moods else ""
    sentences = [
        _pick(_OPENINGS, choice, 0).format(
            a=_article(mood or genre), mood=mood, genre=genre, sounds=_join(sounds, "and")
        )
    ]
    if drums:
        colour = _pick(_COLOUR, choice, 1).format(effects=_join(colour_terms, "and")) if colour_terms else ""
        sentences.append(_pick(_RHYTHM, choice, 2).format(drums=_join(drums, "and"), colour=colour))
    in_key = f" in {context.key}" if context.key else ""
    if context.bpm is not None:
        sentences.append(_pick(_TEMPO, choice, 3).format(bpm=context.bpm, in_key=in_key))
    elif context.key:
        sentences.append(_KEY_ONLY.format(key=context.key))
    return Caption(
        text=" ".join(sentence[0].upper() + sentence[1:] for sentence in sentences),
        genre=(context.genres or [_FALLBACK_GENRE])[:3],
        moods=context.moods[:4],
        instruments=(sounds + context.drum_palette)[:MAX_TAGS],
        bpm=context.bpm,
        key=context.key,
        keywords=(context.textures + context.effects)[:MAX_TAGS],
    )


def _pick(options: Sequence[str], choice: int, slot: int) -> str:
    """A template for `slot`, chosen from independent bits of the hash so slots vary separately."""
    return options[(choice >> (8 * slot)) % len(options)]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _join(items: Sequence[str], conjunction: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"

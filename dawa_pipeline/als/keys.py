"""The set's key: Live's own scale setting where the set uses it, else an estimate from the MIDI notes
(Krumhansl-Schmuckler: correlate the duration-weighted pitch-class profile with the Krumhansl-Kessler
major and minor profiles in all twelve rotations)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from dawa_pipeline.als.models import Key

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(pitch: int) -> str:
    """A MIDI pitch as Live names it: 60 is C3, 24 is C0."""
    return f"{PITCH_CLASSES[pitch % 12]}{pitch // 12 - 2}"


# Live 12 stores the scale as an index into its scale menu. Public sources agree on every position but
# 21-23: this order is the menu's (Max for Live scale menus, .als readers); Live's Song.scale_name docstring
# lists Bhairav, Hungarian Minor, 8-Tone Spanish there. No corpus set saves those three to settle it.
LIVE12_SCALE_NAMES = (
    "Major", "Minor", "Dorian", "Mixolydian", "Lydian", "Phrygian", "Locrian", "Whole Tone",
    "Half-whole Dim.", "Whole-half Dim.", "Minor Blues", "Minor Pentatonic", "Major Pentatonic",
    "Harmonic Minor", "Harmonic Major", "Dorian #4", "Phrygian Dominant", "Melodic Minor",
    "Lydian Augmented", "Lydian Dominant", "Super Locrian", "8-Tone Spanish", "Bhairav",
    "Hungarian Minor", "Hirajoshi", "In-Sen", "Iwato", "Kumoi", "Pelog Selisir", "Pelog Tembung",
    "Messiaen 3", "Messiaen 4", "Messiaen 5", "Messiaen 6", "Messiaen 7",
)  # fmt: skip
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)
# Below this many notes an estimate is weak; confidence scales down linearly.
FULL_CONFIDENCE_NOTES = 32
# Live's default scale setting: present in every 9.5+ set, so on its own it says nothing.
DEFAULT_SCALE = (0, "major")

ScaleSetting = tuple[int, str]  # (root pitch class, lowercase scale name)


def scale_name(stored: str | None) -> str | None:
    """Lowercase scale name from a stored `ScaleInformation/Name` (a word before Live 12, an index after)."""
    if stored is None or not stored.strip():
        return None
    text = stored.strip()
    if text.isdigit():
        index = int(text)
        return LIVE12_SCALE_NAMES[index].lower() if index < len(LIVE12_SCALE_NAMES) else None
    return text.lower()


def scale_setting(root: str | None, name: str | None) -> ScaleSetting | None:
    try:
        root_index = int(root) % 12 if root is not None else None
    except ValueError:
        root_index = None
    mode = scale_name(name)
    return None if root_index is None or mode is None else (root_index, mode)


def _key(setting: ScaleSetting, source: str, confidence: float, in_key: bool | None) -> Key:
    root = PITCH_CLASSES[setting[0]]
    return Key(
        root=root,
        mode=setting[1],
        name=f"{root} {setting[1]}",
        source=source,  # type: ignore[arg-type]
        confidence=round(min(1.0, max(0.0, confidence)), 3),
        in_key=in_key,
    )


def _correlation(a: Sequence[float], b: Sequence[float]) -> float:
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    da = [x - mean_a for x in a]
    db = [y - mean_b for y in b]
    denominator = math.sqrt(sum(x * x for x in da) * sum(y * y for y in db))
    return 0.0 if denominator == 0 else sum(x * y for x, y in zip(da, db, strict=True)) / denominator


def estimate_key(weights: Sequence[float], note_count: int) -> tuple[ScaleSetting, float] | None:
    """Best (root, mode) for a duration-weighted pitch-class profile, with a confidence in [0, 1]."""
    if note_count == 0 or sum(weights) <= 0:
        return None
    best: tuple[float, ScaleSetting] | None = None
    for root in range(12):
        rotated = [weights[(root + step) % 12] for step in range(12)]
        for mode, profile in (("major", _MAJOR_PROFILE), ("minor", _MINOR_PROFILE)):
            score = _correlation(rotated, profile)
            if best is None or score > best[0]:
                best = (score, (root, mode))
    assert best is not None
    return best[1], max(0.0, best[0]) * min(1.0, note_count / FULL_CONFIDENCE_NOTES)


def resolve_key(
    set_scale: ScaleSetting | None,
    in_key: bool | None,
    clip_scales: Sequence[ScaleSetting],
    pitch_weights: Sequence[float],
    note_count: int,
) -> Key:
    """Pick the strongest evidence: the set's scale when Scale Mode is on, the scale the in-key clips
    agree on, the notes, and last a non-default scale setting that was never switched on."""
    if set_scale is not None and in_key:
        return _key(set_scale, "scale_information", 1.0, True)
    if clip_scales:
        setting, votes = Counter(clip_scales).most_common(1)[0]
        return _key(setting, "clip_scale", votes / len(clip_scales), in_key)
    estimate = estimate_key(pitch_weights, note_count)
    if estimate is not None:
        return _key(estimate[0], "midi_estimate", estimate[1], in_key)
    if set_scale is not None and set_scale != DEFAULT_SCALE:
        return _key(set_scale, "scale_information", 0.5, in_key)
    return Key(root=None, mode=None, name=None, source="none", confidence=0.0, in_key=in_key)

"""Synthesised demo audio: a short deterministic loop per demo set, so `make demo` has real MP3 renders to
caption and zip without downloading anything."""

from __future__ import annotations

import hashlib
import io
import re

import numpy as np
import soundfile as sf

SAMPLE_RATE = 32_000
"""MusicGen's rate, so the demo dataset needs no resampling."""

_PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_MINOR_MODES = {"minor", "min", "m", "aeolian", "dorian", "phrygian"}
_BASS_PATTERNS = ((0, 0, 7, 0), (0, 7, 0, 10), (0, 0, 3, 5), (0, 12, 0, 7))


def synth_demo_audio(seed: str, seconds: float = 8.0, bpm: float = 120.0, key: str | None = None) -> bytes:
    """An MP3 loop: a kick on every beat, off-beat hats, a bass line and a quiet chord in `key` (default
    derived from `seed`). The same arguments always give the same bytes."""
    if not 0 < seconds <= 600 or not 20 <= bpm <= 999:
        raise ValueError(
            f"demo audio needs 0 < seconds <= 600 and 20 <= bpm <= 999, got {seconds} s, {bpm} bpm"
        )
    digest = hashlib.sha256(seed.encode()).digest()
    root, minor = _parse_key(key) if key else (digest[0] % 12, digest[1] % 2 == 0)
    frames = int(seconds * SAMPLE_RATE)
    beat = 60.0 / bpm
    t = np.arange(frames) / SAMPLE_RATE
    beat_index = (t // beat).astype(int)
    in_beat = t - beat_index * beat

    kick = np.sin(2 * np.pi * (50 * in_beat + 60 * (1 - np.exp(-in_beat * 25)) / 25)) * np.exp(-in_beat * 9)
    noise = np.random.default_rng(int.from_bytes(digest[2:10], "big")).uniform(-1, 1, frames)
    hat_time = (t - beat / 2) % beat
    hats = noise * np.exp(-hat_time * 60) * 0.25

    pattern = _BASS_PATTERNS[digest[10] % len(_BASS_PATTERNS)]
    bass_semitones = np.array(pattern)[beat_index % len(pattern)]
    bass_freq = _midi_to_hz(36 + root + bass_semitones)
    bass = np.tanh(2.5 * np.sin(2 * np.pi * bass_freq * t)) * np.exp(-in_beat * 3) * 0.35

    third = 3 if minor else 4
    chord = sum(np.sin(2 * np.pi * _midi_to_hz(60 + root + step) * t) for step in (0, third, 7)) * 0.06

    mix = 0.6 * kick + hats + bass + chord
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
    signal = (mix / np.max(np.abs(mix)) * 0.8 * fade).astype(np.float32)
    out = io.BytesIO()
    sf.write(out, signal, SAMPLE_RATE, format="MP3")
    return out.getvalue()


def _parse_key(key: str) -> tuple[int, bool]:
    """('A minor' -> 9, True); unknown spellings raise ValueError naming the key."""
    match = re.fullmatch(r"\s*([A-Ga-g])\s*([#b]?)\s*(\w*)\s*", key)
    if match is None:
        raise ValueError(f"demo audio: cannot read key {key!r} (expected e.g. 'A minor', 'F# major')")
    letter, accidental, mode = match.groups()
    shift = {"#": 1, "b": -1, "": 0}[accidental]
    return (_PITCH_CLASSES[letter.upper()] + shift) % 12, mode.lower() in _MINOR_MODES


def _midi_to_hz(note: np.ndarray | int) -> np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(note) - 69) / 12.0)

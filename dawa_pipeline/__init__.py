"""DAWA: Ableton Live Sets to per-artist DAW fingerprints, profiles and MusicGen datasets."""

__version__ = "0.1.0"

"""Training domain: captions for rendered sets, audio checks, MusicGen dataset zips (no network, no SQL)."""

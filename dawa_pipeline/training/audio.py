"""Checks on rendered training audio before it becomes a training item.

Trainers fail late and obscurely on bad audio (audiocraft's "cannot reshape tensor of 0 elements", silent
generations from padded short clips), so every file is decoded once here, in blocks to keep memory bounded,
and rejected with a reason naming it. Durations and sample rates in the dataset manifests come from this
decode, never from a header estimate.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import numpy as np
import soundfile as sf
from pydantic import BaseModel, ConfigDict

SILENCE_PEAK = 1e-4
"""Peak amplitude (full scale 1.0) below which a file counts as silent."""
MAX_SECONDS = 2 * 60 * 60.0
"""Longer than any single render of a set: anything above is a mistake (or a decompression bomb)."""
BLOCK_FRAMES = 65_536

TRAINABLE_FORMATS = {"WAV": "wav", "FLAC": "flac", "MP3": "mp3", "OGG": "ogg"}
"""soundfile format -> file extension, for the formats both audiocraft and HF audiofolder read."""


class AudioInfo(BaseModel):
    """What decoding a file found."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration: float
    sample_rate: int
    channels: int
    frames: int
    peak: float
    format: str

    @property
    def file_extension(self) -> str:
        return TRAINABLE_FORMATS[self.format]


class AudioRejected(ValueError):
    """The audio cannot be used for training; `reason` says why and names the file."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.reason = f"{name}: {problem}"
        super().__init__(self.reason)


def inspect_audio(
    data: bytes, name: str, *, min_seconds: float = 5.0, max_seconds: float = MAX_SECONDS
) -> AudioInfo:
    """Decode `data` fully and describe it, or raise `AudioRejected` (undecodable, unsupported format, too
    short, too long, silent)."""
    if not data:
        raise AudioRejected(name, "file is empty")
    return inspect_audio_stream(io.BytesIO(data), name, min_seconds=min_seconds, max_seconds=max_seconds)


def inspect_audio_stream(
    stream: BinaryIO, name: str, *, min_seconds: float = 5.0, max_seconds: float = MAX_SECONDS
) -> AudioInfo:
    """`inspect_audio` for a seekable binary stream (a file, a zip member), so large files are never held
    whole in memory."""
    try:
        with sf.SoundFile(stream) as audio:
            fmt, sample_rate, channels = audio.format, audio.samplerate, audio.channels
            if fmt not in TRAINABLE_FORMATS:
                raise AudioRejected(
                    name, f"format {fmt} is not read by the trainers; export WAV, FLAC, MP3 or OGG instead"
                )
            frame_limit = int(max_seconds * sample_rate)
            if audio.frames > frame_limit * 1.05:
                raise AudioRejected(name, _too_long(audio.frames / sample_rate, max_seconds))
            frames, peak = _decode(audio, frame_limit)
    except sf.LibsndfileError as error:
        # Its str() starts with the stream's repr, e.g. a temp file's path; the reason names `name` only.
        raise AudioRejected(name, f"cannot decode audio ({error.error_string})") from error
    except RuntimeError as error:
        raise AudioRejected(name, f"cannot decode audio ({error})") from error
    if frames == 0:
        raise AudioRejected(name, "audio has no samples")
    duration = frames / sample_rate
    if duration < min_seconds:
        raise AudioRejected(name, f"audio is {duration:.2f} s long (at least {min_seconds:g} s needed)")
    if frames > frame_limit:
        raise AudioRejected(name, _too_long(duration, max_seconds))
    if peak < SILENCE_PEAK:
        raise AudioRejected(name, f"audio is silent (peak amplitude {peak:.2e})")
    return AudioInfo(
        duration=round(duration, 4),
        sample_rate=sample_rate,
        channels=channels,
        frames=frames,
        peak=round(peak, 6),
        format=fmt,
    )


def _too_long(seconds: float, max_seconds: float) -> str:
    return f"audio is at least {seconds:.0f} s long (at most {max_seconds:.0f} s)"


def _decode(audio: sf.SoundFile, frame_limit: int) -> tuple[int, float]:
    """Count decoded frames and the peak, block by block, stopping once `frame_limit` is passed."""
    frames, peak = 0, 0.0
    for block in audio.blocks(blocksize=BLOCK_FRAMES, dtype="float32", always_2d=True):
        frames += len(block)
        if len(block):
            peak = max(peak, float(np.max(np.abs(block))))
        if frames > frame_limit:
            break
    return frames, peak

"""Audio checks on real encoded files (MP3 from the demo synthesiser, WAV/AIFF written by soundfile)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from audio_factory import encoded

from dawa_pipeline.demo.audio import synth_demo_audio
from dawa_pipeline.training.audio import AudioRejected, inspect_audio, inspect_audio_stream


def tone(seconds: float, sample_rate: int = 44_100, channels: int = 2, level: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    mono = level * np.sin(2 * np.pi * 220 * t)
    return np.stack([mono] * channels, axis=1).astype(np.float32)


def test_mp3_is_decoded_and_described() -> None:
    info = inspect_audio(synth_demo_audio("mp3", seconds=7.5, bpm=128), "render.mp3")
    assert info.format == "MP3" and info.file_extension == "mp3"
    assert info.duration == pytest.approx(7.5, abs=0.05)
    assert (info.sample_rate, info.channels) == (32_000, 1)
    assert 0.5 < info.peak <= 1.0


def test_stereo_wav_is_decoded_and_described() -> None:
    info = inspect_audio(encoded(tone(6.0, 48_000), 48_000, "WAV"), "render.wav")
    assert (info.format, info.sample_rate, info.channels, info.frames) == ("WAV", 48_000, 2, 288_000)
    assert info.duration == pytest.approx(6.0)
    assert info.peak == pytest.approx(0.5, abs=1e-3)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "render.x: file is empty"),
        (b"ID3 certainly not audio" * 50, "render.x: cannot decode audio"),
        (encoded(tone(2.0), 44_100, "WAV"), "render.x: audio is 2.00 s long (at least 5 s needed)"),
        (encoded(tone(6.0, level=0.0), 44_100, "WAV"), "render.x: audio is silent"),
        (encoded(tone(6.0, level=5e-5), 44_100, "WAV"), "render.x: audio is silent"),
        (encoded(tone(6.0), 44_100, "AIFF"), "render.x: format AIFF is not read by the trainers"),
    ],
)
def test_unusable_audio_is_rejected_with_a_reason_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(AudioRejected) as caught:
        inspect_audio(data, "render.x")
    assert caught.value.reason.startswith(reason)
    assert caught.value.name == "render.x"


def test_audio_longer_than_the_limit_is_rejected() -> None:
    with pytest.raises(AudioRejected, match="at most 10 s"):
        inspect_audio(encoded(tone(12.0, 8_000, 1), 8_000, "WAV"), "long.wav", max_seconds=10.0)


def test_min_seconds_is_the_callers_choice() -> None:
    assert inspect_audio(encoded(tone(2.0), 44_100, "WAV"), "short.wav", min_seconds=1.0).duration == 2.0


def test_demo_audio_is_deterministic_and_varies_with_its_inputs() -> None:
    first = synth_demo_audio("set-a", seconds=6.0, bpm=120.0, key="C major")
    assert first == synth_demo_audio("set-a", seconds=6.0, bpm=120.0, key="C major")
    assert first != synth_demo_audio("set-b", seconds=6.0, bpm=120.0, key="C major")
    assert first != synth_demo_audio("set-a", seconds=6.0, bpm=120.0, key="Eb minor")


def test_demo_audio_rejects_a_key_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="cannot read key 'H dorian'"):
        synth_demo_audio("x", key="H dorian")


def test_a_non_audio_file_read_from_disk_is_named_by_its_storage_path(tmp_path: Path) -> None:
    """The sensor decodes a downloaded temp copy; the reason (failure_reason) names the storage path only."""
    local = tmp_path / "downloaded-copy"
    local.write_bytes(b"<html>not audio</html>" * 100)
    with local.open("rb") as stream, pytest.raises(AudioRejected) as caught:
        inspect_audio_stream(stream, "artists/ana/training/1234/audio.mp3")
    assert (
        caught.value.reason
        == "artists/ana/training/1234/audio.mp3: cannot decode audio (Format not recognised)"
    )
    assert str(tmp_path) not in caught.value.reason

"""Bad training audio is refused in words about the uploaded file: the reason names its storage path and
never the temporary file the sensor decoded it from (issue 13, item 7)."""

from __future__ import annotations

import tempfile

from dawa_pipeline.defs.training.sensors import training_audio_sensor


def test_a_non_audio_mp3_fails_its_item_naming_the_upload_not_a_temp_file(pipeline, demo_sets, temp_dir):
    (item,) = pipeline.add_sets("Nightshift Atlas", demo_sets["Nightshift Atlas"][:1])
    path = pipeline.put_audio(item, b"<html>not audio, an error page saved as audio.mp3</html>" * 40)

    pipeline.tick(training_audio_sensor)

    failed = pipeline.item(item.id)
    assert failed.status == "failed"
    assert failed.failure_reason == f"{path}: cannot decode audio (Format not recognised)"
    assert tempfile.gettempdir() not in failed.failure_reason

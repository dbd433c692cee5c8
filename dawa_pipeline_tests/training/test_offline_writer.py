"""The offline writer: rule-abiding, name-free, deterministic captions for any evidence."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from summary_factory import track
from training_factory import catalog_entry, master_schema, summary

from dawa_pipeline.als.parser import parse_als
from dawa_pipeline.training.captions import (
    MAX_WORDS,
    CaptionContext,
    caption_context,
    caption_problems,
    mentions_name,
)
from dawa_pipeline.training.offline_writer import OfflineWriter

TRACK_SETS = [
    [],
    [track("Kick"), track("Hats"), track("Sub Bass", devices=["Operator"])],
    [
        track("Nova Vale Vox", "Audio"),
        track("NOVA VALE lead", devices=["InstrumentVector"]),
        track("Ada's Piano"),
    ],
    [track("Audio 1", "Audio"), track("MIDI 2", devices=["Drift", "Reverb", "Echo", "Saturator"])],
    [track(f"Pad {i}", devices=["UltraAnalog", "Chorus", "AutoFilter", "Redux"]) for i in range(12)],
]
SCHEMAS = [
    master_schema(),
    master_schema(energy=[], genres=[], sound_design=[]),
    master_schema(
        catalog=[catalog_entry("Night Drive", moods=["hypnotic", "brooding", "nova vale energy"])],
        sound_design=[
            "very long description of the sound",
            "gritty tape saturated drums",
            "ada quill chords",
        ],
        energy=["slow burning", "peak time", "euphoric", "tense", "calm"],
    ),
]
SUMMARIES = [
    summary(),
    summary(tempo=87.5, key=None, indicators=["hip-hop", "808", "sampler-based"]),
    summary(tempo=174.0, key="F# minor", indicators=["drum-and-bass", "live-instruments", "odd-meter"]),
    summary(tempo=10.0, key=None, indicators=[]),
]


def contexts() -> list[CaptionContext]:
    built = []
    for tracks, schema, base in itertools.product(TRACK_SETS, SCHEMAS, SUMMARIES):
        set_summary = base.model_copy(update={"tracks": tracks})
        built.append(caption_context(set_summary, schema, audio_duration=30.0))
    return built


CONTEXTS = contexts()


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_caption_follows_the_rules(context: CaptionContext) -> None:
    written = OfflineWriter().write(context)
    assert caption_problems(written, context.forbidden_names, context=context) == []
    assert mentions_name(written.model_dump_json(), ["Nova Vale", "Ada Quill", "Bo Renn", "Ada"]) is None


def test_captions_state_the_sets_facts() -> None:
    context = caption_context(
        summary(tempo=174.0, key="F# minor", indicators=["drum-and-bass"]), master_schema()
    )
    written = OfflineWriter().write(context)
    assert "drum and bass" in written.text
    assert "174 bpm in F# minor" in written.text
    assert (written.bpm, written.key) == (174.0, "F# minor")
    assert written.genre[0] == "drum and bass"


def test_a_set_without_evidence_still_gets_a_valid_caption() -> None:
    context = caption_context(summary(tempo=5.0, key=None), {})
    written = OfflineWriter().write(context)
    assert caption_problems(written, [], context=context) == []
    assert "electronic" in written.text.lower() and "synths" in written.text
    assert written.bpm is None and written.key is None


def test_the_same_context_gives_the_same_caption() -> None:
    writer = OfflineWriter()
    assert [writer.write(c) for c in CONTEXTS] == [OfflineWriter().write(c) for c in CONTEXTS]


def test_different_sets_get_varied_wording() -> None:
    openings = {OfflineWriter().write(c).text.split(" ")[1] for c in CONTEXTS}
    assert len(openings) >= 3


def test_long_evidence_is_trimmed_under_the_word_limit() -> None:
    long_labels = [f"word{i} alpha beta gamma" for i in range(8)]
    context = CaptionContext(
        genres=long_labels,
        instruments=long_labels,
        synth_palette=long_labels,
        drum_palette=long_labels,
        effects=long_labels,
        moods=long_labels,
        textures=long_labels,
        bpm=128.0,
        key="C major",
        time_signature="4/4",
        audio_seconds=None,
        forbidden_names=[],
    )
    written = OfflineWriter().write(context)
    assert len(written.text.split()) <= MAX_WORDS
    assert caption_problems(written, [], context=context) == []


CORPUS = os.environ.get("DAWA_ALS_CORPUS")


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS, reason="DAWA_ALS_CORPUS is not set")
def test_every_real_set_gets_a_rule_abiding_caption() -> None:
    sets = sorted(Path(CORPUS or ".").glob("*.als"))
    assert sets
    schema = master_schema(catalog=[catalog_entry("master", moods=["spacey"])])
    for path in sets:
        set_summary = parse_als(path, artist_name="Nova Vale")
        context = caption_context(set_summary, schema, audio_duration=30.0)
        written = OfflineWriter().write(context)
        assert caption_problems(written, context.forbidden_names, context=context) == [], path.name
        assert written.bpm == context.bpm

"""Caption rules and the evidence a writer is given."""

from __future__ import annotations

import pytest
from summary_factory import plugin, track
from training_factory import catalog_entry, master_schema, summary

from dawa_pipeline.training.captions import Caption, caption_context, caption_problems, forbidden_names


def caption(text: str, **tags: object) -> Caption:
    fields: dict[str, object] = {
        "genre": ["techno"],
        "moods": ["dark"],
        "instruments": ["sub bass"],
        "bpm": 124.0,
        "key": "A minor",
        "keywords": [],
    }
    fields.update(tags)
    return Caption(text=text, **fields)  # type: ignore[arg-type]


GOOD = "Dark techno with a rolling sub bass and crisp hi-hats. It moves at 124.5 bpm in A minor."


def test_a_caption_following_musicgen_practice_has_no_problems() -> None:
    assert caption_problems(caption(GOOD), ["Nova Vale"]) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("One. Two. Three. Four.", "4 sentences"),
        (" ".join(["loud"] * 61) + ".", "61 words"),
        ("Dark techno with a café feel.", "characters outside plain English"),
        ("Dark techno\nwith bass.", "several lines"),
        ("Dark techno in the style of nova VALE.", "names 'Nova Vale'"),
        ("Ada Quill plays the bass line.", "names 'Ada Quill'"),
    ],
)
def test_each_broken_rule_is_reported(text: str, problem: str) -> None:
    problems = caption_problems(caption(text), ["Nova Vale", "Ada Quill"])
    assert any(problem in p for p in problems), problems


def test_names_match_whole_words_only() -> None:
    assert caption_problems(caption("Airy ambient pads over soft drums."), ["Air"]) == []
    assert caption_problems(caption("Ambient pads with Air on top."), ["Air"]) != []


def test_names_in_tags_are_caught_too() -> None:
    problems = caption_problems(caption(GOOD, keywords=["nova vale style"]), ["Nova Vale"])
    assert problems == ["caption keywords names 'Nova Vale'"]


def test_tags_must_be_short_labels() -> None:
    problems = caption_problems(caption(GOOD, moods=["dark and moody and very late at night"]), [])
    assert problems and "moods tag" in problems[0]


def test_with_context_empty_tags_are_problems_where_evidence_exists() -> None:
    context = caption_context(summary(indicators=["techno"]), master_schema())
    problems = caption_problems(caption(GOOD, genre=[], bpm=None), [], context=context)
    assert "genre is empty although the evidence has some" in problems
    assert "bpm is missing although the set has a tempo" in problems


def test_context_turns_tracks_devices_and_plugins_into_generic_labels() -> None:
    set_summary = summary(
        tracks=[
            track("Kick"),
            track("Sub Bass", devices=["Operator"]),
            track("LeadSynth", devices=["InstrumentVector", "Reverb"]),
            track("Nova Vale Vox", "Audio"),
        ],
        plugins=[plugin("Serum", "Synth", "instrument"), plugin("Mystery Synth 3000", "Synth", "instrument")],
        indicators=["drum-and-bass", "808", "swing"],
    )
    context = caption_context(set_summary, master_schema(), audio_duration=31.234)
    assert context.genres == ["drum and bass", "melodic techno"]
    assert context.instruments == ["808 bass", "sub bass", "synth lead", "vocals"]
    assert context.synth_palette == ["fm synths", "wavetable synths", "software synths"]
    assert context.drum_palette == ["kick drum", "punchy kick"]
    assert context.effects == ["reverb"]
    assert "swung groove" in context.textures
    assert (context.bpm, context.key, context.audio_seconds) == (124.0, "A minor", 31.23)


def test_moods_come_from_the_matching_catalog_work_else_from_the_whole_catalog() -> None:
    catalog = [
        catalog_entry("Night Drive", moods=["hypnotic"]),
        catalog_entry("Other", moods=["euphoric"]),
        catalog_entry("Third", moods=["euphoric", "tense"]),
    ]
    matched = caption_context(summary(project="night drive"), master_schema(catalog=catalog))
    assert matched.moods == ["hypnotic", "driving"]
    unmatched = caption_context(summary(project="Unreleased"), master_schema(catalog=catalog))
    assert unmatched.moods == ["euphoric", "hypnotic", "tense", "driving"]


def test_key_falls_back_to_the_catalog_when_the_set_is_unsure() -> None:
    catalog = [catalog_entry("Night Drive", moods=[], key="F# minor")]
    unsure = summary(key="A minor", key_confidence=0.2)
    assert caption_context(unsure, master_schema(catalog=catalog)).key == "F# minor"
    assert caption_context(unsure, master_schema()).key is None


def test_forbidden_names_cover_artist_members_and_catalog_credits() -> None:
    catalog = [catalog_entry("Remix", moods=[], primary_artist="Kai Moss feat. Lumen", remixer="Dee Ray")]
    names = forbidden_names(summary(artist="nova vale"), master_schema(catalog=catalog))
    for name in ("nova vale", "Nova Vale", "Ada Quill", "Bo Renn", "Kai Moss", "Lumen", "Dee Ray"):
        assert name in names


def test_profile_text_naming_a_person_never_reaches_the_writer() -> None:
    schema = master_schema(sound_design=["bo renn style reese", "glassy bells"])
    context = caption_context(summary(), schema)
    assert context.textures == ["glassy bells"]
    assert "bo renn" not in context.model_dump_json(exclude={"forbidden_names"}).lower()


def test_a_malformed_master_schema_gives_no_evidence_instead_of_crashing() -> None:
    junk = {
        "artist": "oops",
        "catalog": [1, "x", {"mood_profile": "tense"}],
        "daw_fingerprint_aggregates": [],
    }
    context = caption_context(summary(indicators=["house"]), junk)
    assert context.genres == ["house"]
    assert context.moods == ["tense"]
    assert context.forbidden_names == ["Nova Vale"]

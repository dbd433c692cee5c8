"""The storage layout: the seed's exact paths, their inverses, and what hostile names turn into."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from dawa_pipeline.storage import layout
from dawa_pipeline.storage.layout import (
    MAX_SEGMENT_BYTES,
    TrainingAudioRef,
    UnsafePathSegment,
    UploadRef,
    sanitize_segment,
    slugify,
)

ITEM_ID = uuid.UUID("0b9e4d7c-3f7a-4f1e-9a51-2f4a8c6d1e20")
PARSE_ID = "20260102T030405Z-4f1e9a51"


def test_upload_path_is_the_raw_set_location() -> None:
    assert (
        layout.upload_path("nina-k", "Summer EP", "Track 01.als")
        == "artists/nina-k/uploads/Summer EP/Track 01.als"
    )


def test_daw_data_paths_follow_the_seed() -> None:
    args = ("nina-k", "Summer EP", "Track 01", PARSE_ID)
    folder = f"artists/nina-k/daw-data/Summer EP/Track 01/{PARSE_ID}/"
    assert layout.daw_data_dir(*args) == folder
    assert layout.summary_json_path(*args) == folder + "summary.json"
    assert layout.timeline_path(*args) == folder + "timeline_visualizer.png"


def test_training_paths_follow_the_seed() -> None:
    folder = f"artists/nina-k/training/{ITEM_ID}/"
    assert layout.training_item_dir("nina-k", ITEM_ID) == folder
    assert layout.training_audio_path("nina-k", str(ITEM_ID)) == folder + "audio.mp3"
    assert layout.prompt_path("nina-k", ITEM_ID) == folder + "prompt.txt"


def test_dataset_zip_is_named_by_its_utc_creation_time() -> None:
    berlin_winter = timezone(timedelta(hours=1))
    created = datetime(2026, 1, 2, 4, 4, 5, 999, tzinfo=berlin_winter)
    expected = "artists/nina-k/datasets/dataset-20260102T030405Z.zip"
    assert layout.dataset_zip_path("nina-k", created) == expected
    assert layout.dataset_zip_path("nina-k", created.astimezone(UTC)) == expected


def test_dataset_zip_refuses_a_naive_timestamp() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        layout.dataset_zip_path("nina-k", datetime(2026, 1, 2, 3, 4, 5))


def test_artist_level_paths_and_prefixes() -> None:
    assert layout.fingerprint_chart_path("nina-k") == "artists/nina-k/profile/fingerprint.png"
    assert layout.artist_prefix("nina-k") == "artists/nina-k/"
    assert layout.uploads_prefix("nina-k") == "artists/nina-k/uploads/"
    assert layout.uploads_prefix() == "artists/"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Nina Kraviz", "nina-kraviz"),
        ("Mötley Crüe", "motley-crue"),
        ("  --DJ__Shadow--  ", "dj-shadow"),
        ("Ｂｊöｒｋ", "bjork"),
        ("Røyksopp", "r-yksopp"),  # ø does not decompose: the rule the SQL trigger shares keeps it simple
        ("!!!", "artist"),
        ("東京", "artist"),
        ("", "artist"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert slugify(slug) == slug


@pytest.mark.parametrize("bad_slug", ["Nina Kraviz", "../nina", "nina/k", "", "-nina"])
def test_paths_refuse_an_artist_slug_that_is_not_a_slug(bad_slug: str) -> None:
    with pytest.raises(UnsafePathSegment, match="not an artist slug"):
        layout.upload_path(bad_slug, "p", "s.als")


def test_upload_path_refuses_files_that_are_not_live_sets() -> None:
    with pytest.raises(ValueError, match="not a Live Set"):
        layout.upload_path("nina-k", "Summer EP", "notes.txt")


@pytest.mark.parametrize(
    ("project", "file_name"),
    [("Summer EP", "Track 01.als"), ("p", "UPPER.ALS"), ("(2024) Live, Vol. 2", "Take #3 [final].als")],
)
def test_parse_upload_path_inverts_upload_path(project: str, file_name: str) -> None:
    path = layout.upload_path("nina-k", project, file_name)
    ref = layout.parse_upload_path(path)
    assert ref == UploadRef("nina-k", sanitize_segment(project), sanitize_segment(file_name))
    assert layout.upload_path(ref.artist_slug, ref.project, ref.file_name) == path


@pytest.mark.parametrize(
    "path",
    [
        "artists/nina-k/uploads/Summer EP/Track 01.als.bak",
        "artists/nina-k/uploads/Summer EP/notes.txt",
        "artists/nina-k/uploads/Summer EP/.als",
        "artists/nina-k/uploads/Summer EP/Backup/Track 01 [2024-01-01 120000].als",
        "artists/nina-k/uploads/Track 01.als",
        "artists/nina-k/daw-data/Summer EP/Track 01.als",
        "artists/Nina K/uploads/Summer EP/Track 01.als",
        "artists/nina-k/uploads/../Track 01.als",
        "artists/nina-k/uploads/Summer EP/Café.als",
        "/artists/nina-k/uploads/Summer EP/Track 01.als",
        "files/nina-k/uploads/Summer EP/Track 01.als",
    ],
)
def test_parse_upload_path_rejects_everything_else(path: str) -> None:
    assert layout.parse_upload_path(path) is None


def test_parse_training_audio_path_inverts_training_audio_path() -> None:
    path = layout.training_audio_path("nina-k", ITEM_ID)
    assert layout.parse_training_audio_path(path) == TrainingAudioRef("nina-k", str(ITEM_ID))


@pytest.mark.parametrize(
    "path",
    [
        f"artists/nina-k/training/{ITEM_ID}/prompt.txt",
        f"artists/nina-k/training/{ITEM_ID}/old/audio.mp3",
        "artists/nina-k/training/audio.mp3",
        f"artists/nina-k/uploads/{ITEM_ID}/audio.mp3",
    ],
)
def test_parse_training_audio_path_rejects_everything_else(path: str) -> None:
    assert layout.parse_training_audio_path(path) is None


# Hostile names, one behaviour each.


@pytest.mark.parametrize("value", ["..", "."])
def test_dot_segments_are_refused(value: str) -> None:
    with pytest.raises(UnsafePathSegment, match=repr(value)):
        sanitize_segment(value)


@pytest.mark.parametrize("value", ["", "   ", "...", " . . ", "\x00\n\t"])
def test_names_with_nothing_left_are_refused(value: str) -> None:
    with pytest.raises(UnsafePathSegment, match="nothing but dots or nothing left"):
        sanitize_segment(value)


def test_slashes_cannot_climb_out_of_the_folder() -> None:
    assert sanitize_segment("../../other-artist/secrets") == ".._.._other-artist_secrets"


def test_backslashes_are_separators_too() -> None:
    assert sanitize_segment("..\\..\\boot.ini") == ".._.._boot.ini"


def test_colons_are_replaced() -> None:
    assert sanitize_segment("C:Session 12:30") == "C_Session 12_30"


@pytest.mark.parametrize(
    ("value", "expected"), [("Set\x00One", "SetOne"), ("Set\nOne", "SetOne"), ("\x1b[31mRed", "_31mRed")]
)
def test_control_characters_are_stripped(value: str, expected: str) -> None:
    assert sanitize_segment(value) == expected


def test_right_to_left_override_is_stripped() -> None:
    assert sanitize_segment("evil\u202egpj.als") == "evilgpj.als"


def test_surrounding_whitespace_and_trailing_dots_are_trimmed() -> None:
    assert sanitize_segment("  Final Mix. . ") == "Final Mix"


def test_very_long_names_are_capped_keeping_the_extension() -> None:
    capped = sanitize_segment("x" * 1000 + ".als")
    assert len(capped.encode("utf-8")) == MAX_SEGMENT_BYTES
    assert capped == "x" * (MAX_SEGMENT_BYTES - 4) + ".als"


def test_long_accented_names_are_capped_in_bytes() -> None:
    assert sanitize_segment("é" * 300) == "e" * MAX_SEGMENT_BYTES


def test_accented_names_stay_readable() -> None:
    assert sanitize_segment("Café Nöel \u2013 Straße, Røyksopp.als") == "Cafe Noel - Strasse, Royksopp.als"
    assert sanitize_segment("Don\u2019t Stop 🔥.als") == "Don't Stop _.als"


def test_names_without_ascii_letters_stay_distinct() -> None:
    night, morning = sanitize_segment("夜の曲.als"), sanitize_segment("朝の曲.als")
    assert night != morning
    assert night.startswith("___-") and night.endswith(".als")
    assert night.isascii()


@pytest.mark.parametrize(
    "value",
    [
        "Track 01.als",
        "../../x",
        "Café Nöel.als",
        "夜の曲.als",
        "x" * 500 + ".als",
        "夜" * 500 + ".als",
        "a" * 300 + "." + "b" * 30,
        "  .hidden. ",
        "Take #3 [final] <v2> | 100%.als",
    ],
)
def test_sanitize_segment_is_idempotent_and_storage_safe(value: str) -> None:
    once = sanitize_segment(value)
    assert sanitize_segment(once) == once
    assert "/" not in once and "\\" not in once and ":" not in once
    assert once.isascii() and once.isprintable()
    assert len(once.encode("utf-8")) <= MAX_SEGMENT_BYTES


def test_hostile_names_stay_inside_the_artists_upload_folder() -> None:
    path = layout.upload_path("nina-k", "../../other-artist", "..\\..\\x.als")
    assert path == "artists/nina-k/uploads/.._.._other-artist/.._.._x.als"
    assert layout.parse_upload_path(path) == UploadRef("nina-k", ".._.._other-artist", ".._.._x.als")


def test_artist_names_are_trimmed_and_checked_before_anything_is_written() -> None:
    from dawa_pipeline.storage.layout import MAX_ARTIST_NAME, InvalidArtistName, check_artist_name

    assert check_artist_name("  Nova Vale ") == "Nova Vale"
    assert check_artist_name("Björk 👩‍🎤") == "Björk 👩‍🎤"  # accents and emoji (with a joiner) are names
    assert check_artist_name("x" * MAX_ARTIST_NAME) == "x" * MAX_ARTIST_NAME
    for bad in ("", " \t ", "x" * (MAX_ARTIST_NAME + 1), "a\x00b", "a\nb", "a\udcffb", "a\u2066b"):
        with pytest.raises(InvalidArtistName):
            check_artist_name(bad)

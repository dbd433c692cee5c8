"""Terminal output of user data: control characters, lone surrogates and bidi controls are escaped."""

from __future__ import annotations

from dawa_pipeline.cli.terminal import shown


def test_terminal_output_escapes_what_is_not_text() -> None:
    assert shown("Björk / 坂本") == "Björk / 坂本"
    assert shown("a\x1b[2Jb\tc\rd\u202ee\udcff") == "a\\x1b[2Jb\\tc\\rd\\u202ee\\udcff"

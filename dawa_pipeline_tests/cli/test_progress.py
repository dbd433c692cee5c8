"""The progress shown by `dawa parse DIR` and `dawa upload`, on a terminal and in a log."""

from __future__ import annotations

import io

from dawa_pipeline.cli.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_redrawn_bar_ending_complete():
    out = Terminal()
    assert list(progress(range(4), 4, "parsing", out)) == [0, 1, 2, 3]
    frames = out.getvalue().split("\r")[1:]
    assert frames[0] == "parsing [" + "#" * 7 + "." * 23 + "] 1/4"
    assert frames[-1] == "parsing [" + "#" * 30 + "] 4/4\n"


def test_a_log_gets_a_line_per_tenth_of_the_way():
    out = io.StringIO()
    assert len(list(progress(range(25), 25, "parsing", out))) == 25
    lines = out.getvalue().splitlines()
    assert lines[0] == "parsing: 3/25" and lines[-1] == "parsing: 25/25"
    assert len(lines) == 10
    assert "\r" not in out.getvalue()


def test_a_short_run_in_a_log_still_ends_with_its_count():
    out = io.StringIO()
    list(progress(["one.als"], 1, "uploading", out))
    assert out.getvalue() == "uploading: 1/1\n"

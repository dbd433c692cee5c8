"""A minimal progress bar on stderr (no dependency, so commands stay fast to start)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")

BAR_WIDTH = 30
LOG_STEPS = 10  # a log (not a terminal) gets a line at every tenth of the way, not a redrawn bar


def progress(items: Iterable[T], total: int, label: str, stream: TextIO | None = None) -> Iterator[T]:
    """Yield items while showing how far along they are on stderr: a redrawn `label [####....] n/total` bar on
    a terminal, and `label: n/total` lines at each tenth of the way when stderr goes to a file or a pipe."""
    out = stream or sys.stderr
    interactive = out.isatty()
    shown_step = 0
    for done, item in enumerate(items, start=1):
        yield item
        if interactive:
            filled = BAR_WIDTH * done // max(total, 1)
            out.write(f"\r{label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}")
            out.flush()
        elif (step := LOG_STEPS * done // max(total, 1)) > shown_step:
            shown_step = step
            out.write(f"{label}: {done}/{total}\n")
            out.flush()
    if interactive:
        out.write("\n")

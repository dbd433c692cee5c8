"""A minimal progress bar on stderr (no dependency, so commands stay fast to start)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], total: int, label: str, stream: TextIO | None = None) -> Iterator[T]:
    """Yield items while drawing `label [#####.....] n/total` on stderr; silent when stderr is not a terminal
    except for the final line."""
    out = stream or sys.stderr
    interactive = out.isatty()
    width = 30
    for done, item in enumerate(items, start=1):
        yield item
        if interactive:
            filled = width * done // max(total, 1)
            out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            out.flush()
    if interactive:
        out.write("\n")

"""Which characters are not text: shared by the artist-name rule (storage.layout) and terminal output
(cli.terminal), with nothing heavy imported, so every `dawa` command can use it."""

from __future__ import annotations

import unicodedata

# Characters that change how a terminal shows the text rather than being text: bidi embeddings/overrides and
# isolates, line and paragraph separators.
_DISPLAY_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def is_display_control(char: str) -> bool:
    """A control character, a lone surrogate, or a character that reorders or breaks displayed text."""
    return unicodedata.category(char) in ("Cc", "Cs") or char in _DISPLAY_CONTROLS

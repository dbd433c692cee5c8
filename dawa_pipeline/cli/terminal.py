"""User data on the terminal: every CLI line that shows names, paths or messages from files passes through
`shown`, so an artist name or file name cannot move the cursor, recolour, reorder or fake output lines."""

from __future__ import annotations

from dawa_pipeline.text import is_display_control


def shown(text: object) -> str:
    """`text` with control characters, lone surrogates and bidi controls escaped (\\x1b, \\t, \\u202e)."""
    value = str(text)
    if not any(is_display_control(char) for char in value):
        return value
    return "".join(ascii(char)[1:-1] if is_display_control(char) else char for char in value)

"""A hand-written JSON document read safely: only what Postgres `jsonb` stores as written and DAWA can
handle, refused before anything is written, with one line saying what and where.

Refused: documents over MAX_DOCUMENT_BYTES, nesting deeper than MAX_DEPTH (never a RecursionError), NaN,
Infinity and numbers too large for a double (1e400), and strings or keys holding NUL (Postgres text cannot)
or a lone surrogate (not Unicode; UTF-8 cannot encode it).
"""

from __future__ import annotations

import json
import math
from typing import Any

from dawa_pipeline.profile.master_schema import MasterSchemaError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64  # a master schema nests about 6 levels


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MasterSchemaError(f"the number {text[:40]} is too large (beyond a double)")
    return value


def _no_constants(name: str) -> Any:
    raise MasterSchemaError(f"{name} is not a number JSON allows (nor Postgres jsonb)")


def load_json_document(data: bytes) -> dict[str, Any]:
    """The JSON object in `data` (UTF-8); raises MasterSchemaError naming the first problem."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise MasterSchemaError(f"the document is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MasterSchemaError(f"not UTF-8 (byte {exc.start})") from None
    try:
        document = json.loads(text, parse_float=_finite, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise MasterSchemaError(f"not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise MasterSchemaError(f"nested deeper than {MAX_DEPTH} levels") from None
    except MasterSchemaError:
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise MasterSchemaError(f"not JSON ({exc})") from None
    if not isinstance(document, dict):
        raise MasterSchemaError(f"a master schema is a JSON object, got {type(document).__name__}")
    _check_values(document)
    return document


def _check_values(document: dict[str, Any]) -> None:
    """Walk the document without recursion: depth, and every string and key."""
    stack: list[tuple[Any, str, int]] = [(document, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise MasterSchemaError(f"nested deeper than {MAX_DEPTH} levels (at {_short(path)})")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                child = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
                if isinstance(key, str):
                    _check_text(key, f"the key {_short(child)!r}")
                stack.append((item, child, depth + 1))
        elif isinstance(value, str):
            _check_text(value, _short(path))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            raise MasterSchemaError(f"{_short(path)}: the number is too large (beyond 64 bits)")


def _short(path: str) -> str:
    return path[:60] + "..." if len(path) > 60 else path or "the top"


def _check_text(text: str, where: str) -> None:
    if "\x00" in text:
        raise MasterSchemaError(f"{where!s}: holds a NUL character (\\u0000), which Postgres cannot store")
    for char in text:
        if "\ud800" <= char <= "\udfff":
            raise MasterSchemaError(f"{where!s}: holds a lone surrogate ({char!r}), which is not Unicode")

"""Pure domain: read Ableton Live Sets. Exports resolve lazily so `import dawa_pipeline.als` stays cheap."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dawa_pipeline.als.container import ParseLimits
    from dawa_pipeline.als.errors import AlsParseError
    from dawa_pipeline.als.models import AlsSummary
    from dawa_pipeline.als.parser import PARSER_NAME, PARSER_VERSION, parse_als, parse_id, project_name_of

_EXPORTS = {
    "AlsParseError": "dawa_pipeline.als.errors",
    "AlsSummary": "dawa_pipeline.als.models",
    "PARSER_NAME": "dawa_pipeline.als.parser",
    "PARSER_VERSION": "dawa_pipeline.als.parser",
    "ParseLimits": "dawa_pipeline.als.container",
    "parse_als": "dawa_pipeline.als.parser",
    "parse_id": "dawa_pipeline.als.parser",
    "project_name_of": "dawa_pipeline.als.parser",
}
__all__ = [
    "PARSER_NAME",
    "PARSER_VERSION",
    "AlsParseError",
    "AlsSummary",
    "ParseLimits",
    "parse_als",
    "parse_id",
    "project_name_of",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

"""dawa_pipeline's own source read as syntax trees, for the tests of its structure (nothing is imported)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import dawa_pipeline

PACKAGE_DIR = Path(dawa_pipeline.__file__).parent


@dataclass(frozen=True)
class SourceModule:
    name: str  # dotted, e.g. dawa_pipeline.als.parser (a package is named by its __init__.py)
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def source_modules(package_dir: Path = PACKAGE_DIR) -> dict[str, SourceModule]:
    """Every module of the package below `package_dir`, by dotted name."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = SourceModule(name, path, ast.parse(path.read_text(), filename=str(path)))
    return modules


def is_dagster(module: str) -> bool:
    """Whether a dotted module name belongs to Dagster (dagster, dagster_postgres, dagster_shared, ...)."""
    return module.split(".")[0].startswith("dagster")

"""dawa_pipeline uses only Dagster's public API, so a Dagster upgrade cannot break it silently.

Read from the source with ast. Flagged: importing a private Dagster module or name (`dagster._core...`,
`from dagster import _check`, also through `importlib.import_module`), and reading or writing a private
attribute (`x._name`, `getattr(x, "_name")`, `setattr`/`hasattr`/`delattr`, `object.__setattr__`) of an
object that may be Dagster's. The type of a variable is unknown to ast, so every object counts as possibly
Dagster's except: `self`/`cls` (unless the class extends a Dagster class and the module never defines that
attribute), classes and functions defined in the module, names imported from outside Dagster
(`etree._Element`, `argparse._SubParsersAction`), and the namedtuple methods that carry an underscore by
design (`_replace`...).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from source_tree import PACKAGE_DIR, SourceModule, is_dagster, source_modules

ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}
OBJECT_ATTRIBUTE_METHODS = {"__getattribute__", "__setattr__", "__delattr__"}
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}


def is_private(name: str) -> bool:
    """`_name` and `__name`, not `__dunder__`."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class PrivateDagsterUses(ast.NodeVisitor):
    """Collects (line, what) for each private Dagster import or private attribute use in one module."""

    def __init__(self, tree: ast.Module) -> None:
        self.found: list[tuple[int, str]] = []
        self.imported: dict[str, str] = {}  # bound name -> module it comes from
        self.local_definitions: set[str] = set()
        self.defined_attributes: set[str] = set()  # private names the module itself defines on self/cls
        self.dagster_classes: list[bool] = []  # per enclosing class: does it extend a Dagster class?
        for node in ast.walk(tree):
            self._index(node)

    def _index(self, node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                self.imported[bound] = alias.name if alias.asname else bound
        elif isinstance(node, ast.ImportFrom) and not node.level:
            for alias in node.names:
                self.imported[alias.asname or alias.name] = node.module or ""
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            self.local_definitions.add(node.name)
            if isinstance(node, ast.ClassDef):
                self.defined_attributes |= {
                    target.id
                    for statement in node.body
                    for target in _assigned(statement)
                    if isinstance(target, ast.Name)
                }
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _is_self(node.value):
            self.defined_attributes.add(node.attr)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if is_dagster(alias.name) and any(map(is_private, alias.name.split("."))):
                self.found.append((node.lineno, f"imports private module {alias.name}"))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level or not is_dagster(module):
            return
        if any(map(is_private, module.split("."))):
            self.found.append((node.lineno, f"imports from private module {module}"))
        for alias in node.names:
            if is_private(alias.name):
                self.found.append((node.lineno, f"imports private name {alias.name} from {module}"))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.dagster_classes.append(any(self._from_dagster(base) for base in node.bases))
        self.generic_visit(node)
        self.dagster_classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check(node.value, node.attr, node.lineno)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func, args = node.func, node.args
        by_function = isinstance(func, ast.Name) and func.id in ATTRIBUTE_FUNCTIONS
        by_object = isinstance(func, ast.Attribute) and func.attr in OBJECT_ATTRIBUTE_METHODS
        if (by_function or by_object) and len(args) >= 2:
            name = args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                self._check(args[0], name.value, node.lineno)
        if isinstance(func, ast.Attribute | ast.Name) and args and isinstance(args[0], ast.Constant):
            called = func.attr if isinstance(func, ast.Attribute) else func.id
            target = args[0].value
            is_module_name = called in ("import_module", "__import__") and isinstance(target, str)
            if is_module_name and is_dagster(target) and any(map(is_private, target.split("."))):
                self.found.append((node.lineno, f"imports private module {target}"))
        self.generic_visit(node)

    def _check(self, owner: ast.expr, attribute: str, line: int) -> None:
        if not is_private(attribute) or self._may_touch(owner, attribute) is False:
            return
        self.found.append((line, f"touches private attribute {attribute} of {ast.unparse(owner)}"))

    def _may_touch(self, owner: ast.expr, attribute: str) -> bool:
        """Whether `owner.attribute` may reach into a Dagster object's internals."""
        if _is_self(owner):
            extends_dagster = bool(self.dagster_classes) and self.dagster_classes[-1]
            return extends_dagster and attribute not in self.defined_attributes
        root = _root_name(owner)
        if root in self.imported:
            return is_dagster(self.imported[root])
        if attribute in NAMEDTUPLE_API:
            return False
        return not (isinstance(owner, ast.Name) and owner.id in self.local_definitions)

    def _from_dagster(self, expr: ast.expr) -> bool:
        root = _root_name(expr)
        return root is not None and is_dagster(self.imported.get(root, ""))


def _assigned(statement: ast.stmt) -> list[ast.expr]:
    if isinstance(statement, ast.Assign):
        return statement.targets
    if isinstance(statement, ast.AnnAssign | ast.AugAssign):
        return [statement.target]
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
        return [ast.Name(statement.name)]
    return []


def _is_self(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Name) and expr.id in ("self", "cls")


def _root_name(expr: ast.expr) -> str | None:
    """`a` for `a`, `a.b` and `a.b.c`; None when the chain starts elsewhere (a call, a subscript...)."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def private_dagster_uses(tree: ast.Module) -> list[tuple[int, str]]:
    visitor = PrivateDagsterUses(tree)
    visitor.visit(tree)
    return sorted(visitor.found)


def uses_in(modules: dict[str, SourceModule]) -> Iterator[str]:
    for module in modules.values():
        for line, what in private_dagster_uses(module.tree):
            yield f"{module.path.relative_to(PACKAGE_DIR.parent)}:{line}: {what}"


def test_dawa_pipeline_uses_only_public_dagster_api() -> None:
    found = list(uses_in(source_modules()))
    assert not found, "private Dagster API (find the public call, or change the design):\n" + "\n".join(found)


SNIPPET = """
import argparse
import importlib
from urllib.parse import urlsplit

import dagster as dg
from dagster._core.x import y
from lxml import etree


def attach(context: dg.AssetExecutionContext, element: etree._Element, sub: argparse._SubParsersAction):
    step = context.get_step_execution_context()
    accumulator = getattr(step, "_metadata_accumulator", None)
    step._metadata_accumulator = accumulator
    dg._check.str_param("a", "b")
    importlib.import_module("dagster._utils")
    return urlsplit("s3://bucket/key")._replace(path="/"), Helper._shared


class Helper:
    _shared = 1

    def __init__(self):
        self._own = 1


class Resource(dg.ConfigurableResource):
    def run(self):
        self._helper()
        return self._resolved_config_dict, self.__class__

    def _helper(self):
        return getattr(self, "_own_cache", None)
"""


def test_the_check_flags_private_imports_and_attributes_and_nothing_else() -> None:
    found = private_dagster_uses(ast.parse(SNIPPET))
    assert found == [
        (7, "imports from private module dagster._core.x"),
        (13, "touches private attribute _metadata_accumulator of step"),
        (14, "touches private attribute _metadata_accumulator of step"),
        (15, "touches private attribute _check of dg"),
        (16, "imports private module dagster._utils"),
        (30, "touches private attribute _resolved_config_dict of self"),
        (33, "touches private attribute _own_cache of self"),
    ]

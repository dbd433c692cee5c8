"""The layers hold, read from the source with ast (imports inside functions and under TYPE_CHECKING count):
the domain (als/, profile/, training/, demo/) reaches no Dagster, database driver or network client; the
adapters (db/, storage/, llm/) reach no Dagster; only cli/ imports cli/; and no dawa_pipeline module imports
itself back through others. "Reaches" follows dawa_pipeline's own modules (and the packages they sit in), so
a domain module importing settings.py or an adapter that imports Dagster fails too."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from source_tree import SourceModule, source_modules

PACKAGE = "dawa_pipeline"
DOMAIN = ("als", "profile", "training", "demo")
ADAPTERS = ("db", "storage", "llm")
CLI = f"{PACKAGE}.cli"
KEPT_OUT_OF_DOMAIN = ("dagster", "psycopg", "httpx", "supabase", "openai")
KEPT_OUT_OF_ADAPTERS = ("dagster",)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str  # a dawa_pipeline module's dotted name, or an outside module as written
    line: int


def imports_of(module: SourceModule, internal: set[str]) -> Iterator[Edge]:
    """Every import in the module, wherever it sits; `from package import submodule` targets the submodule."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Edge(module.name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield Edge(module.name, submodule if submodule in internal else base, node.lineno)
        elif isinstance(node, ast.Call) and (name := _imported_by_call(node)):
            yield Edge(module.name, name, node.lineno)


def _absolute(module: SourceModule, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    anchor = package[: len(package) - (node.level - 1)]
    return ".".join([*anchor, *([node.module] if node.module else [])])


def _imported_by_call(call: ast.Call) -> str | None:
    """The module `importlib.import_module("...")` or `__import__("...")` names, when it is a literal."""
    func = call.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    first = call.args[0] if call.args else None
    if called in ("import_module", "__import__") and isinstance(first, ast.Constant):
        return first.value if isinstance(first.value, str) else None
    return None


class ImportGraph:
    def __init__(self, modules: dict[str, SourceModule]) -> None:
        self.modules = modules
        internal = set(modules)
        self.edges = {name: list(imports_of(module, internal)) for name, module in modules.items()}

    def internal_edges(self, name: str) -> list[Edge]:
        return [e for e in self.edges[name] if e.target in self.modules]

    def loaded_with(self, target: str) -> list[str]:
        """The module and the packages Python runs first to import it (their __init__.py)."""
        parts = target.split(".")
        packages = [".".join(parts[:i]) for i in range(1, len(parts))]
        return [p for p in packages if p in self.modules] + [target]

    def path_to_outside(self, start: str, kept_out: Iterable[str]) -> tuple[list[str], Edge] | None:
        """The first chain of dawa_pipeline modules from `start` to one importing a kept-out package."""
        kept_out = tuple(kept_out)
        paths = {start: [start]}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for edge in self.edges[current]:
                if edge.target not in self.modules and edge.target.split(".")[0].startswith(kept_out):
                    return paths[current], edge
            for edge in self.internal_edges(current):
                for loaded in self.loaded_with(edge.target):
                    if loaded not in paths:
                        paths[loaded] = [*paths[current], loaded]
                        queue.append(loaded)
        return None

    def cycles(self) -> list[list[Edge]]:
        """One cycle (as its edges) per strongly connected group of modules that import each other."""
        return [self._cycle_through(sorted(group)[0], group) for group in self._strongly_connected()]

    def _strongly_connected(self) -> list[set[str]]:
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        groups: list[set[str]] = []

        def visit(name: str) -> None:
            index[name] = low[name] = len(index)
            stack.append(name)
            on_stack.add(name)
            for edge in self.internal_edges(name):
                if edge.target not in index:
                    visit(edge.target)
                    low[name] = min(low[name], low[edge.target])
                elif edge.target in on_stack:
                    low[name] = min(low[name], index[edge.target])
            if low[name] == index[name]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == name:
                        break
                self_import = any(e.target == name for e in self.internal_edges(name))
                if len(group) > 1 or self_import:
                    groups.append(group)

        for name in sorted(self.modules):
            if name not in index:
                visit(name)
        return groups

    def _cycle_through(self, start: str, group: set[str]) -> list[Edge]:
        paths: dict[str, list[Edge]] = {}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for edge in self.internal_edges(current):
                if edge.target == start:
                    return [*paths.get(current, []), edge]
                if edge.target in group and edge.target not in paths:
                    paths[edge.target] = [*paths.get(current, []), edge]
                    queue.append(edge.target)
        raise AssertionError(f"{start} is in a cycle but no path leads back to it")


@pytest.fixture(scope="module")
def graph() -> ImportGraph:
    return ImportGraph(source_modules())


def layer(graph: ImportGraph, packages: Iterable[str]) -> list[str]:
    return [n for n in graph.modules if n.split(".")[1:2] and n.split(".")[1] in packages]


def reaches(graph: ImportGraph, packages: tuple[str, ...], kept_out: tuple[str, ...]) -> list[str]:
    """Each import by which the layer reaches a kept-out package: direct, or through a module outside it."""
    members = set(layer(graph, packages))
    found = []
    for name in sorted(members):
        for edge in graph.edges[name]:
            if edge.target not in graph.modules and edge.target.split(".")[0].startswith(kept_out):
                found.append(f"{name} (line {edge.line}) imports {edge.target}")
        for edge in graph.internal_edges(name):
            for loaded in graph.loaded_with(edge.target):
                if loaded in members:
                    continue
                chain = graph.path_to_outside(loaded, kept_out)
                if chain is not None:
                    path, last = chain
                    found.append(
                        f"{name} (line {edge.line}) imports {' -> '.join(path)}, which imports {last.target} "
                        f"(line {last.line})"
                    )
    return found


def test_the_layers_are_where_this_test_looks(graph: ImportGraph) -> None:
    for packages in (DOMAIN, ADAPTERS, ("cli",)):
        for package in packages:
            assert f"{PACKAGE}.{package}" in graph.modules, f"no package {PACKAGE}/{package}/"
    assert len(layer(graph, DOMAIN)) > 20


def test_the_domain_reaches_no_dagster_database_or_network_client(graph: ImportGraph) -> None:
    found = reaches(graph, DOMAIN, KEPT_OUT_OF_DOMAIN)
    assert not found, "the domain must stay pure:\n" + "\n".join(found)


def test_the_adapters_reach_no_dagster(graph: ImportGraph) -> None:
    found = reaches(graph, ADAPTERS, KEPT_OUT_OF_ADAPTERS)
    assert not found, "adapters must not know Dagster:\n" + "\n".join(found)


def test_only_the_cli_imports_the_cli(graph: ImportGraph) -> None:
    found = [
        f"{name} (line {edge.line}) imports {edge.target}"
        for name in sorted(graph.modules)
        if not (name == CLI or name.startswith(f"{CLI}."))
        for edge in graph.internal_edges(name)
        if edge.target == CLI or edge.target.startswith(f"{CLI}.")
    ]
    assert not found, "only dawa_pipeline/cli/ may import the CLI:\n" + "\n".join(found)


def test_no_module_imports_itself_back(graph: ImportGraph) -> None:
    described = [
        " -> ".join(f"{e.source} (line {e.line})" for e in cycle) + f" -> {cycle[-1].target}"
        for cycle in graph.cycles()
    ]
    assert not described, "import cycles:\n" + "\n".join(described)


def test_the_graph_sees_imports_in_functions_and_cycles_through_them() -> None:
    """The checks above can fail: a cycle hidden in a function, and Dagster reached through settings."""
    sources = {
        "dawa_pipeline": "",
        "dawa_pipeline.settings": "import dagster\n",
        "dawa_pipeline.als": "",
        "dawa_pipeline.als.a": "from dawa_pipeline.als import b\nfrom dawa_pipeline import settings\n",
        "dawa_pipeline.als.b": "def late():\n    from . import a\n",
    }
    modules = {
        name: SourceModule(name, _fake_path(name, sources), ast.parse(text)) for name, text in sources.items()
    }
    graph = ImportGraph(modules)
    (cycle,) = graph.cycles()
    assert [e.source for e in cycle] == ["dawa_pipeline.als.a", "dawa_pipeline.als.b"]
    assert cycle[-1].target == "dawa_pipeline.als.a" and cycle[-1].line == 2
    (found,) = reaches(graph, ("als",), ("dagster",))
    assert found.startswith(
        "dawa_pipeline.als.a (line 2) imports dawa_pipeline.settings, which imports dagster"
    )


def _fake_path(name: str, sources: dict[str, str]) -> Path:
    is_package = any(other.startswith(f"{name}.") for other in sources)
    return Path(*name.split("."), "__init__.py") if is_package else Path(*name.split(".")).with_suffix(".py")

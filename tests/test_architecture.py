"""Layers point one way: the real import graph of ``src/legame`` against the layers declared
in ``legame.layers``, and ``docs/architecture.md`` against that declaration.

The graph is read with ``ast`` from every module's source, so imports inside functions and
under ``TYPE_CHECKING`` count as much as those at the top of a file.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

import legame
from legame.layers import LAYERS, ONLY_IMPORTS, architecture_markdown, level, packages

SRC = Path(legame.__file__).resolve().parent
DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"

#: (importing package, imported package) -> where: "legame/x/y.py:12 imports legame.z"
Graph = dict[tuple[str, str], list[str]]


def top_level_names(src: Path) -> set[str]:
    """The top-level modules and packages of the package at ``src``."""
    modules = {path.stem for path in src.glob("*.py") if path.stem != "__init__"}
    return modules | {path.parent.name for path in src.glob("*/__init__.py")}


def imported_names(path: Path, module: str) -> Iterator[tuple[str, int]]:
    """Every module name that ``path`` (the module ``module``) imports, with its line; a
    ``from X import a`` yields ``X.a`` too, since ``a`` may be a module."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def import_graph(src: Path) -> tuple[Graph, list[str]]:
    """The imports between the top-level packages of ``src``, and the root's own imports."""
    names = top_level_names(src)
    root = src.name
    graph: Graph = defaultdict(list)
    root_imports: list[str] = []
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src.parent).with_suffix("")
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        module = ".".join(parts)
        for name, line in imported_names(path, module):
            target = name.split(".")
            if target[0] != root or len(target) < 2 or target[1] not in names:
                continue
            where = f"{relative.with_suffix('.py')}:{line} imports {name}"
            if len(parts) == 1:
                root_imports.append(where)
            elif parts[1] != target[1]:
                graph[parts[1], target[1]].append(where)
    return dict(graph), root_imports


GRAPH, ROOT_IMPORTS = import_graph(SRC)


def cycles(graph: Graph) -> list[set[str]]:
    """The groups of packages that reach each other through imports (strong components)."""
    reach: dict[str, set[str]] = defaultdict(set)
    for a, b in graph:
        reach[a].add(b)
    changed = True
    while changed:
        changed = False
        for a in list(reach):
            more = set().union(*(reach.get(b, set()) for b in reach[a])) - reach[a]
            if more:
                reach[a] |= more
                changed = True
    groups: list[set[str]] = []
    for a in sorted(reach):
        group = {a} | {b for b in reach[a] if a in reach.get(b, set())}
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def evidence(graph: Graph, edges: list[tuple[str, str]]) -> str:
    return "\n".join(f"  {where}" for edge in edges for where in graph[edge][:3])


def test_every_package_of_legame_is_declared_in_exactly_one_layer() -> None:
    declared = packages()
    assert len(declared) == len(set(declared)), "a package is declared in two layers"
    assert set(declared) == top_level_names(SRC), (
        "declare every top-level package of legame in legame/layers.py, and only those"
    )


def test_no_package_imports_a_package_of_a_higher_layer() -> None:
    upward = sorted((a, b) for a, b in GRAPH if level(b) > level(a))
    assert not upward, "imports that point up the layers:\n" + evidence(GRAPH, upward)


def test_no_two_packages_import_each_other_directly_or_through_others() -> None:
    found = cycles(GRAPH)
    report = [
        f"{' ↔ '.join(sorted(group))}:\n"
        + evidence(GRAPH, sorted(e for e in GRAPH if e[0] in group and e[1] in group))
        for group in found
    ]
    assert not found, "packages that import each other:\n" + "\n".join(report)


@pytest.mark.parametrize("package", sorted(ONLY_IMPORTS))
def test_a_restricted_package_imports_only_what_it_is_allowed(package: str) -> None:
    extra = sorted((a, b) for a, b in GRAPH if a == package and b not in ONLY_IMPORTS[package])
    assert not extra, f"{package} may import only {sorted(ONLY_IMPORTS[package])}:\n" + evidence(
        GRAPH, extra
    )


def test_the_root_package_imports_nothing_of_legame() -> None:
    assert not ROOT_IMPORTS, "\n".join(ROOT_IMPORTS)


def test_the_layers_are_named_once_and_none_is_empty() -> None:
    names = [layer.name for layer in LAYERS]
    assert len(names) == len(set(names))
    assert all(layer.packages for layer in LAYERS)


def test_imports_inside_functions_relative_and_type_only_ones_are_read(tmp_path: Path) -> None:
    src = tmp_path / "pkg"
    for folder in ("low", "high", "other"):
        (src / folder).mkdir(parents=True)
        (src / folder / "__init__.py").write_text("")
    (src / "__init__.py").write_text("__version__ = '1'\n")
    (src / "low" / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import b\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.other import thing\n"
        "def f():\n"
        "    from pkg import high\n"
        "    import pkg.high.deep\n"
        "    from pkg import __version__\n"
    )
    (src / "low" / "b.py").write_text("")
    (src / "high" / "c.py").write_text("from ..low import a\n")
    graph, root_imports = import_graph(src)
    assert sorted(graph) == [("high", "low"), ("low", "high"), ("low", "other")]
    assert len(graph["low", "high"]) == 2
    assert cycles(graph) == [{"high", "low"}]
    assert root_imports == []


def test_architecture_doc_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == architecture_markdown(), (
        "docs/architecture.md is out of date: python -m legame.layers > docs/architecture.md"
    )

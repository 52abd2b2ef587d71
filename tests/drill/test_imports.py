"""The drill package's imports run one way: no circles, and the analysis never
reaches a renderer or the report writer.

Every import counts, also one inside a function or under TYPE_CHECKING: a lazy
import still makes the two modules depend on each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import proxyctl

ROOT = Path(proxyctl.__file__).parent
DRILL = "proxyctl.drill"
# The pure core: what the drill recorded, and what it makes of it.
ANALYSIS = (
    "proxyctl.model.probe",
    "proxyctl.drill.samples",
    "proxyctl.drill.timeline",
    "proxyctl.drill.settle",
    "proxyctl.drill.gate",
)
RENDERING = ("proxyctl.drill.render", "proxyctl.drill.report", "proxyctl.cli")


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, known: set[str]) -> Iterator[str]:
    """The modules of `known` that TREE imports (`from pkg import mod` names mod)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                yield name


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the proxyctl modules it imports, for every module under ROOT."""
    files = {module_name(path, root): path for path in root.rglob("*.py")}
    known = set(files)
    return {
        name: set(imported(ast.parse(path.read_text()), known)) - {name}
        for name, path in files.items()
    }


def find_circle(graph: dict[str, set[str]], within: str) -> list[str] | None:
    """A circle of imports among the modules of package WITHIN, or None."""
    inside = {m for m in graph if m == within or m.startswith(within + ".")}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        for target in sorted(graph[module] & inside):
            found = visit(target, [*path, module])
            if found:
                return found
        done.add(module)
        return None

    for module in sorted(inside):
        found = visit(module, [])
        if found:
            return found
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += graph.get(module, set())
    return seen


def test_the_drill_has_no_import_circle() -> None:
    circle = find_circle(import_graph(), DRILL)
    assert circle is None, "import circle: " + " -> ".join(circle or [])


def test_the_analysis_reaches_no_renderer() -> None:
    graph = import_graph()
    for module in ANALYSIS:
        assert module in graph, module
        wrong = {m for m in reachable(graph, module) if m.startswith(RENDERING)}
        assert not wrong, f"{module} imports {sorted(wrong)}"


def test_a_circle_is_found() -> None:
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a"}, "q": {"p.a"}}
    assert find_circle(graph, "p") == ["p.a", "p.b", "p.c", "p.a"]
    assert find_circle({"p.a": {"p.b"}, "p.b": set()}, "p") is None


def test_a_lazy_import_counts(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import x\n")
    assert find_circle(import_graph(package), "pkg") == ["pkg.a", "pkg.b", "pkg.a"]


def test_the_probes_db_makes_do_not_import_the_drill() -> None:
    """db/ sits below the features: its probe records come from proxyctl.model."""
    graph = import_graph()
    for module in ("proxyctl.db.probe", "proxyctl.db.classify"):
        wrong = {m for m in reachable(graph, module) if m.startswith(DRILL)}
        assert not wrong, f"{module} imports {sorted(wrong)}"

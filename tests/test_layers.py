"""The arrows between proxyctl's packages run one way, and no modules import in a circle.

cli -> features (provision, check, drill, shell, observe, load, lab) -> reach -> app ->
aws, db -> the base (model, errors, config, output, files, logs, validate, tokens, ...). The App
stands above aws because it makes the AWS clients on first use; reach (the connection
options resolved into a db Target, through aws) serves every feature that connects.
A feature never imports another feature; aws and db never import each other. Every
import counts, at any depth (one inside a function is still an arrow), except those
under `if TYPE_CHECKING:`, which never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import proxyctl

ROOT = Path(proxyctl.__file__).parent
ENTRY, CLI, FEATURE, REACH, APP, SERVICE, BASE = range(7)
FEATURES = {"provision", "check", "drill", "shell", "observe", "load", "lab", "advise"}
SERVICES = {"aws", "db"}
# Arrows that run the wrong way and are allowed for now; each must go, and then leave
# this list (a test fails on one that is gone, so that it cannot come back).
KNOWN: set[tuple[str, str]] = set()

# Imports inside functions that close a circle, allowed for now, as above.
KNOWN_CIRCLES: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = ["proxyctl", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    if top == "__main__":
        return ENTRY
    if top == "cli":
        return CLI
    if top in FEATURES:
        return FEATURE
    if top == "reach":
        return REACH
    if top == "app":
        return APP
    return SERVICE if top in SERVICES else BASE


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below NODE, except the body of an `if TYPE_CHECKING:` (its else runs)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            for other in child.orelse:
                yield other
                yield from _walk(other)
            continue
        yield child
        yield from _walk(child)


def _resolve(module: str, name: str) -> str:
    """The module an import names: proxyctl.aws.groups for `from proxyctl.aws import groups`."""
    return f"{module}.{name}" if f"{module}.{name}" in MODULES else module


def imports(module: str) -> set[str]:
    """The proxyctl modules MODULE imports."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in _walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found |= {_resolve(base, a.name) for a in node.names}
    return {m for m in found if m == "proxyctl" or m.startswith("proxyctl.")}


def _package(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def wrong_way(source: str, target: str) -> str | None:
    """Why SOURCE may not import TARGET, or None when it may."""
    mine, theirs = layer(source), layer(target)
    if _package(source) == _package(target) or theirs > mine:
        return None
    if mine == theirs:
        return {FEATURE: "a feature imports another", SERVICE: "aws and db import each other"}.get(
            mine
        )
    return "the arrow runs up"


def test_every_arrow_runs_down() -> None:
    wrong = [
        f"{source} imports {target}: {why}"
        for source in MODULES
        for target in sorted(imports(source))
        if (why := wrong_way(source, target)) and (source, target) not in KNOWN
    ]
    assert wrong == []


def test_the_known_wrong_arrows_still_exist() -> None:
    """A KNOWN arrow that is gone must leave the list, so that it cannot come back."""
    gone = [pair for pair in sorted(KNOWN | KNOWN_CIRCLES) if pair[1] not in imports(pair[0])]
    assert gone == []


def _circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle in GRAPH, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module], found = 1, None
        path.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_modules_import_in_a_circle() -> None:
    graph = {m: {t for t in imports(m) if t != m and t in MODULES} for m in MODULES}
    # A package's __init__ that its own modules import is not a circle to untangle.
    graph = {
        m: {t for t in ts if not m.startswith(t + ".") and (m, t) not in KNOWN_CIRCLES}
        for m, ts in graph.items()
    }
    assert _circle(graph) is None


def test_the_walk_sees_imports_in_functions_and_skips_type_checking(tmp_path: Path) -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from proxyctl.cli import app\n"
        "def f():\n    from proxyctl.check import findings\n"
    )
    names = {
        getattr(n, "module", None)
        for n in _walk(ast.parse(source))
        if isinstance(n, ast.ImportFrom)
    }
    assert names == {"typing", "proxyctl.check"}
    assert wrong_way("proxyctl.aws.inspect", "proxyctl.check.facts") == "the arrow runs up"
    assert wrong_way("proxyctl.check.control", "proxyctl.provision.health") == (
        "a feature imports another"
    )
    assert wrong_way("proxyctl.aws.proxies", "proxyctl.db.tls") == "aws and db import each other"
    assert wrong_way("proxyctl.model.proxy", "proxyctl.aws.proxies") == "the arrow runs up"
    assert wrong_way("proxyctl.aws.proxies", "proxyctl.model.proxy") is None

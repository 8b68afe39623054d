"""Imports form a tree: no cycle among modules, and the simulators never import the harness.

Read with ``ast`` (no module is imported). Every import counts, also one inside a function:
an import deferred to break a cycle still leaves the cycle. Imports under ``if TYPE_CHECKING:``
do not run and do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("simulators", "harness")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (a name imported from a package counts as the
    submodule when there is one)."""
    files = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        targets: set[str] = set()
        tree = ast.parse(path.read_text(), str(path))
        typing_only = {
            id(inner)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
            for inner in ast.walk(block)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, path.name == "__init__.py", node)
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base
                         for a in node.names]  # fmt: skip
            else:
                continue
            for name in names:
                while name and name not in files:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    targets.add(name)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_simulators_never_import_the_harness():
    graph = import_graph()
    wrong = sorted(
        f"{m} imports {t}"
        for m, targets in graph.items()
        if m.startswith("simulators")
        for t in targets
        if t.startswith("harness")
    )
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_in_the_simulators():
    found = [c for c in cycles(import_graph()) if c[0].startswith("simulators")]
    assert not found, "\n".join(" ↔ ".join(c) for c in found)


def test_no_import_cycle_in_the_harness():
    found = [c for c in cycles(import_graph()) if c[0].startswith("harness")]
    assert not found, "\n".join(" ↔ ".join(c) for c in found)


MAY_IMPORT = {
    "harness.errors": set(),
    "harness.clients": {"harness.errors"},
    "harness.lab": {"harness.errors", "harness.clients"},
}
"""A job of the harness → the harness packages it may import (besides its own modules)."""


def test_each_harness_job_imports_only_the_jobs_below_it():
    def job(module: str) -> str:
        return next((j for j in MAY_IMPORT if module == j or module.startswith(j + ".")), module)

    wrong = sorted(
        f"{m} imports {t}"
        for m, targets in import_graph().items()
        if job(m) in MAY_IMPORT
        for t in targets
        if t.startswith("harness") and job(t) != job(m) and job(t) not in MAY_IMPORT[job(m)]
    )
    assert not wrong, "\n".join(wrong)


def test_the_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_outside_the_tests_imports_them():
    wrong = [
        f"{path.relative_to(ROOT)}: {node.module if isinstance(node, ast.ImportFrom) else ''}"
        for folder in ("simulators", "harness", "bench", "tools")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests")
        or (
            isinstance(node, ast.Import)
            and any(a.name.split(".")[0] == "tests" for a in node.names)
        )
    ]
    assert not wrong, "\n".join(wrong)

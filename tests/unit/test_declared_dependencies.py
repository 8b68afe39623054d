"""Every third-party module the lab imports at run time is a declared dependency, and back.

A plain ``pip install -e .`` (no extras) must be enough to run the lab: a module imported by
``simulators/`` or ``harness/`` must come from ``[project].dependencies``. A distribution of an
extra may only be imported inside ``try: … except ImportError`` (the code then says how to get
it), or by a module registered as a plugin of the program that distribution is (the pytest
plugin imports pytest).
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("simulators", "harness")
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
PLUGIN_HOSTS = {"pytest11": "pytest"}
"""Entry-point groups whose modules are only ever loaded by the named distribution."""


@functools.cache
def _distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    return canonical(re.split(r"[\s<>=!~;\[(@]", requirement.strip(), maxsplit=1)[0])


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str
    guarded: bool


def _guards(handler: ast.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return any(isinstance(n, ast.Name) and n.id in IMPORT_ERRORS for n in names)


def imports_of(path: Path) -> list[Import]:
    """Absolute imports in ``path``, each marked whether a handler catches its ImportError."""
    found: list[Import] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(path, node.lineno, a.name, guarded) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(Import(path, node.lineno, node.module, guarded))
        if isinstance(node, ast.Try):
            inner = guarded or any(_guards(h) for h in node.handlers)
            for child in node.body:
                visit(child, inner)
            for child in [*node.handlers, *node.orelse, *node.finalbody]:
                visit(child, guarded)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(ast.parse(path.read_text(), str(path)), False)
    return found


def third_party(imports: list[Import], local: set[str]) -> list[Import]:
    return [
        i
        for i in imports
        if (top := i.module.partition(".")[0]) not in sys.stdlib_module_names
        and top not in local
        and top != "__future__"
    ]


def undeclared_imports(tree: Path, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Problems with ``tree``'s imports against its pyproject.toml, one line each."""
    project = tomllib.loads((tree / "pyproject.toml").read_text())["project"]
    base = {requirement_name(r) for r in project.get("dependencies", [])}
    extras = {
        requirement_name(r)
        for reqs in project.get("optional-dependencies", {}).values()
        for r in reqs
    }
    hosted: dict[str, set[str]] = {}
    for group, entries in project.get("entry-points", {}).items():
        if group in PLUGIN_HOSTS:
            for target in entries.values():
                module = target.partition(":")[0]
                hosted.setdefault(module, set()).add(canonical(PLUGIN_HOSTS[group]))
    distributions = _distributions()
    problems = []
    for package in packages:
        for path in sorted((tree / package).rglob("*.py")):
            module = ".".join(path.relative_to(tree).with_suffix("").parts)
            for imp in third_party(imports_of(path), set(packages)):
                dists = {canonical(d) for d in distributions.get(imp.module.partition(".")[0], [])}
                where = f"{path.relative_to(tree)}:{imp.line}: import {imp.module}"
                if not dists:
                    problems.append(f"{where}: no installed distribution provides it")
                elif dists & base or dists & hosted.get(module, set()):
                    continue
                elif not dists & extras:
                    problems.append(f"{where}: {'/'.join(sorted(dists))} is not declared")
                elif not imp.guarded:
                    problems.append(
                        f"{where}: {'/'.join(sorted(dists))} is only in an extra, "
                        "so this import needs an ImportError handler"
                    )
    return problems


def unused_dependencies(tree: Path, packages: tuple[str, ...] = PACKAGES) -> set[str]:
    """Base requirements that no module of ``packages`` imports."""
    project = tomllib.loads((tree / "pyproject.toml").read_text())["project"]
    distributions = _distributions()
    used = {
        canonical(d)
        for package in packages
        for path in (tree / package).rglob("*.py")
        for imp in third_party(imports_of(path), set(packages))
        for d in distributions.get(imp.module.partition(".")[0], [])
    }
    return {requirement_name(r) for r in project["dependencies"]} - used


def _tree(tmp_path: Path, dependencies: list[str], source: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'p'\nversion = '0'\n"
        f"dependencies = {dependencies!r}\n"
        "[project.optional-dependencies]\ntest = ['pytest']\n"
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(textwrap.dedent(source))
    return tmp_path


def test_an_undeclared_import_is_reported(tmp_path):
    tree = _tree(tmp_path, ["flask>=3"], "import flask\nimport jwt\n")
    [problem] = undeclared_imports(tree, ("pkg",))
    assert problem.startswith("pkg/mod.py:2: import jwt: ") and "pyjwt is not declared" in problem


def test_the_same_import_declared_is_accepted(tmp_path):
    tree = _tree(tmp_path, ["flask>=3", "PyJWT>=2.8"], "import flask\nimport jwt\n")
    assert undeclared_imports(tree, ("pkg",)) == []


def test_an_extra_needs_an_import_error_handler(tmp_path):
    source = """
        import pytest

        def f():
            try:
                import pytest
            except ImportError:
                raise SystemExit("pip install -e '.[test]'") from None
    """
    [problem] = undeclared_imports(_tree(tmp_path, [], source), ("pkg",))
    assert problem.startswith("pkg/mod.py:2: import pytest: ") and "ImportError" in problem


def test_a_module_nobody_provides_is_reported(tmp_path):
    tree = _tree(tmp_path, [], "import m365lab_no_such_module_xyz\n")
    [problem] = undeclared_imports(tree, ("pkg",))
    assert "no installed distribution provides it" in problem


def test_the_lab_imports_only_declared_dependencies():
    assert undeclared_imports(ROOT) == []


def test_every_base_dependency_is_imported():
    assert unused_dependencies(ROOT) == set()

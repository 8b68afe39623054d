"""No function outside the tests is longer than 80 lines: long ones hide rules nobody can find."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("simulators", "harness", "bench", "tools")
LIMIT = 80
KNOWN: set[str] = {
    # being split; this set may only shrink
    "harness/federation.py:federate_domain",
}


def long_functions() -> dict[str, int]:
    found = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > LIMIT:
                        found[f"{path.relative_to(ROOT).as_posix()}:{node.name}"] = length
    return found


def test_no_function_is_longer_than_80_lines():
    found = long_functions()
    new = {name: lines for name, lines in found.items() if name not in KNOWN}
    assert not new, f"functions over {LIMIT} lines: {new}"


def test_the_known_long_functions_only_shrink():
    assert not KNOWN - set(long_functions()), "split: remove it from KNOWN"

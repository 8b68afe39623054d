"""No function outside the tests is longer than 80 lines: long ones hide rules nobody can find."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("simulators", "harness", "bench", "tools")
LIMIT = 80


def long_functions(root: Path = ROOT) -> dict[str, int]:
    found = {}
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > LIMIT:
                        found[f"{path.relative_to(root).as_posix()}:{node.name}"] = length
    return found


def test_no_function_is_longer_than_80_lines():
    assert not long_functions(), f"functions over {LIMIT} lines: {long_functions()}"


def test_the_measure_finds_a_long_function(tmp_path):
    (tmp_path / "simulators").mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    (tmp_path / "simulators" / "long.py").write_text(f"def long():\n{body}\n")
    assert long_functions(tmp_path) == {"simulators/long.py:long": LIMIT + 1}

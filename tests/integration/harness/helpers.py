"""Shared bits of the harness integration tests."""

from __future__ import annotations

import argparse
import io
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

from rich.console import Console

from harness.cli.parsers import add_run_parser
from harness.cli.run import cmd_run

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "scenarios" / "examples"

FAILING = """
name: Health says something else
tags: [failing]
steps:
  - http.request: {host: console, path: /_lab/health, expect_status: 200}
    id: health
  - expect.equals: {actual: "${steps.health.json.host}", expected: login}
  - wait: 0
"""


def run_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="m365lab")
    add_run_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["run", *argv])


def run(*argv: str) -> tuple[int, str]:
    """cmd_run with its console captured."""
    out = io.StringIO()
    code = cmd_run(
        run_args(*argv), console=Console(file=out, width=200, color_system=None, soft_wrap=True)
    )
    return code, out.getvalue()


def write_scenario(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def plugin_args() -> list[str]:
    """``-p harness.pytest_plugin`` unless the pytest11 entry point already loads it."""
    installed = any(
        ep.value.startswith("harness.pytest_plugin") for ep in entry_points(group="pytest11")
    )
    return [] if installed else ["-p", "harness.pytest_plugin"]

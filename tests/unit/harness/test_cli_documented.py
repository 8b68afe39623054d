"""Every CLI command and option is mentioned in README or docs/, hidden ones included.

A coarse guard: a command counts when `m365lab <command>` appears, an option when it appears
anywhere. It catches a new option nobody wrote down, not a wrong description.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.parsers import build_parser

REPO = Path(__file__).resolve().parents[3]


def _documentation() -> str:
    return "\n".join(p.read_text() for p in [REPO / "README.md", *(REPO / "docs").glob("*.md")])


def _commands_and_options(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], str | None]]:
    """(command words, option) for every subcommand (option None) and every option of each."""
    found: list[tuple[tuple[str, ...], str | None]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(((*prefix, name), None))
                found += _commands_and_options(sub, (*prefix, name))
        else:
            found += [(prefix, o) for o in action.option_strings if o not in ("-h", "--help")]
    return found


def test_every_command_and_option_is_documented():
    docs = _documentation()
    missing = [
        " ".join(command) + (f" {option}" if option else "")
        for command, option in _commands_and_options(build_parser())
        if (option is None and f"m365lab {' '.join(command)}" not in docs)
        or (option is not None and option not in docs)
    ]
    assert missing == []


def test_the_walk_sees_commands_and_options():
    found = _commands_and_options(build_parser())
    assert (("run",), None) in found and (("run",), "--shard") in found
    assert (("report", "merge"), None) in found

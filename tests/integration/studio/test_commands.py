"""``m365lab demo`` and ``m365lab classroom`` refuse bad options with one clear line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import main

ROOT = Path(__file__).resolve().parents[3]


def m365lab(capsys, *args: str) -> tuple[int, str]:
    """Run the command in this process: (exit status, what it wrote to stderr)."""
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classroom", "--seats", "0"], "argument --seats: invalid --seats 0: use 1-40"),
        (
            ["classroom", "--seats", "many"],
            "argument --seats: invalid --seats 'many': not a number",
        ),
        (["classroom", "--seats", "41"], "invalid --seats 41: use 1-40"),
        (["classroom"], "the following arguments are required: --seats"),
        (["classroom", "--seats", "2", "--port-base", "x"], "invalid port base 'x': not a number"),
        (["demo", "s.yaml", "--slow-mo", "fast"], "invalid --slow-mo 'fast': not a number"),
        (["demo", "s.yaml", "--slow-mo", "-5"], "invalid --slow-mo -5: use 0-60000 milliseconds"),
        (["demo"], "the following arguments are required: scenario"),
        (["demo", "s.yaml", "--pace"], "unrecognized arguments: --pace"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(capsys, args, message):
    code, err = m365lab(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err
    assert lines[0].startswith("m365lab") and ": error: " in lines[0]


def test_demo_of_a_missing_or_invalid_scenario_names_the_problem_and_exits_2(capsys, tmp_path):
    code, err = m365lab(capsys, "demo", str(tmp_path / "nope.yaml"))
    assert code == 2 and "nope.yaml: no such file or directory" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - value: 1\n    say: 42\n")
    code, err = m365lab(capsys, "demo", str(bad))
    assert code == 2
    assert "bad.yaml:4: step 1 (value): say: must be text; found int 42" in err
    assert "is not one valid scenario file; nothing was run" in err
    code, err = m365lab(capsys, "demo", str(tmp_path))
    assert code == 2 and "is not one valid scenario file" in err


def test_a_traceback_never_reaches_the_terminal():
    """The process as a trainer starts it: one line, exit 2, nothing else."""
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "classroom", "--seats", "-1"],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        "m365lab classroom: error: argument --seats: invalid --seats -1: use 1-40 "
        "(see 'm365lab classroom --help')"
    )

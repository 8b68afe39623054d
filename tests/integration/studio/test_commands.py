"""``m365lab demo`` and ``m365lab classroom`` refuse bad options with one clear line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def m365lab(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


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
def test_bad_options_are_one_line_and_exit_2(args, message):
    done = m365lab(*args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert lines[0].startswith("m365lab") and ": error: " in lines[0]
    assert "Traceback" not in done.stderr


def test_demo_of_a_missing_or_invalid_scenario_names_the_problem_and_exits_2(tmp_path):
    done = m365lab("demo", str(tmp_path / "nope.yaml"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "nope.yaml: no such file or directory" in done.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - value: 1\n    say: 42\n")
    done = m365lab("demo", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "bad.yaml:4: step 1 (value): say: must be text; found int 42" in done.stderr
    assert "is not one valid scenario file; nothing was run" in done.stderr
    done = m365lab("demo", str(tmp_path))
    assert done.returncode == 2 and "is not one valid scenario file" in done.stderr

"""Every script in ``bench/`` runs to the end at its smallest size and prints its figures.

Nothing here is timed: a figure is only looked for, never compared with its target (that is
what the scripts are for, run by hand). What this guards is the scripts themselves. They reach
into the lab (in-process labs, timing wrappers around library calls, ``up --split`` children,
moto beside it) and would otherwise break unnoticed until the next time someone measures.
Each also has to clean up after itself: no state directory left in the temporary directory,
no published ``lab.json`` left behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
NUMBER = r"[\d.,]+"

BENCHES: dict[str, tuple[list[str], list[str]]] = {
    "signin_profile.py": (
        ["--runs", "2"],
        [
            rf"wall time per sign-in\s+{NUMBER} ms",
            r"login\s+POST\s+/login\.srf",
            rf"needed work \(signing to SQLite\)\s+{NUMBER} ms of {NUMBER}",
            rf"sign-in wall time above that floor\s+-?{NUMBER} ms",  # two runs: may be below
        ],
    ),
    "sso.py": (
        ["--runs", "2", "--workers", "2", "--seconds", "1"],
        [
            r"one process\s+split",
            rf"warm connections, no cookies\s+{NUMBER} ms\s+{NUMBER} ms",
            rf"its HTTP floor \(trivial page, as often\)\s+{NUMBER} ms\s+{NUMBER} ms",
            rf"p99\s+{NUMBER} ms\s+{NUMBER} ms",
            rf"IdP response build\+sign, median\s+{NUMBER} ms",
        ],
    ),
    "saml_sign.py": ([], [rf"verify assertion-only median {NUMBER} ms"]),
    "servers.py": (["--seconds", "0.2"], [rf"cheroot\s+{NUMBER}\s+{NUMBER}"]),
    "startup.py": (
        ["--runs", "1"],
        [
            rf"all six hosts healthy, CA already made: median {NUMBER} s",
            rf"/_lab/health on a kept-alive TLS connection:\s+median {NUMBER} ms",
        ],
    ),
    "sync.py": (
        ["--export", "20", "--candidates", "100"],
        [rf"export of 20 newly bound users: {NUMBER} s"],
    ),
    "jumpcloud.py": (
        ["--users", "500", "--queries", "5", "--creates", "10"],
        [rf"v1 create: JumpCloud {NUMBER}/s .* moto IAM CreateUser {NUMBER}/s"],
    ),
    "graph.py": (
        ["--users", "500", "--samples", "5", "--token-requests", "10", "--creates", "10"],
        [rf"POST /users: {NUMBER}/s vs moto IAM CreateUser {NUMBER}/s"],
    ),
    "scale.py": (
        ["--users", "2000", "--export", "50", "--runs", "3"],
        [
            rf"Graph \$count \(eventual\)\s+{NUMBER} ms server median",
            rf"export of newly bound users\s+{NUMBER} s",
            rf"restart to healthy\s+{NUMBER} s",
        ],
    ),
    "load.py": (
        ["--clients", "2", "--seconds", "2"],
        [r"== one process: 2 clients", r"== split: 2 clients", r"errors: 0 \(5xx: 0\)"],
    ),
    "dashboard.py": (
        ["--entries", "200", "--runs", "2", "--signins", "2", "--workers", "2"],
        [rf"journey view, cache cold: median {NUMBER} ms", rf"live feed: .* median {NUMBER} ms"],
    ),
    "suite.py": (
        ["--skip-browser", "--skip-large"],
        [
            rf"suite, http driver, -n 2\s+{NUMBER} s .*, 0 failed\)",
            rf"trivial scenario, median\s+{NUMBER} ms",
        ],
    ),
}


@pytest.fixture(scope="module")
def ca_home(tmp_path_factory) -> Path:
    """One CA for every script (as on a machine where the lab has run before)."""
    return tmp_path_factory.mktemp("cache")


def test_every_script_is_covered():
    scripts = {p.name for p in (REPO / "bench").glob("*.py") if not p.name.startswith("_")}
    assert scripts == set(BENCHES)


@pytest.mark.parametrize("script", sorted(BENCHES))
def test_script_runs_and_prints_its_figures(script, tmp_path, ca_home):
    args, expected = BENCHES[script]
    scratch, published = tmp_path / "tmp", tmp_path / "state"
    scratch.mkdir()
    env = {
        **os.environ,
        "TMPDIR": str(scratch),
        "XDG_STATE_HOME": str(published),
        "XDG_CACHE_HOME": str(ca_home),
    }
    env.pop("M365LAB_CA_DIR", None)
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    for pattern in expected:
        assert re.search(pattern, done.stdout), (pattern, done.stdout[-3000:])
    assert sorted(p.name for p in scratch.iterdir()) == []
    assert not (published / "m365lab" / "lab.json").exists()

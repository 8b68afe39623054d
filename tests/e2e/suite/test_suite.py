"""The bundled scenario suite (``scenarios/*.yaml``) end to end: under both drivers through
``m365lab run``, under ``pytest scenarios/ -n 2``, and what a broken or failing scenario shows."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from rich.console import Console

from harness.cli.parsers import add_run_parser
from harness.cli.run import EXIT_FAILED, EXIT_INVALID, EXIT_OK, cmd_run
from harness.drivers.browser import MISSING_MESSAGE, chromium_available
from harness.lab import Lab, LabOptions

REPO = Path(__file__).resolve().parents[3]
SCENARIOS = REPO / "scenarios"
SUITE = sorted(p for p in SCENARIOS.glob("*.yaml"))


@pytest.fixture(scope="module")
def lab_json(tmp_path_factory) -> str:
    """One in-process lab with every system for the module; its lab.json path."""
    lab = Lab(
        LabOptions(state_dir=tmp_path_factory.mktemp("suite"), port_base=0, default_world=False)
    ).start()
    yield str(lab.descriptor_path)
    lab.stop()


def run(*argv: str) -> tuple[int, str]:
    """``m365lab run`` (cmd_run) with its console captured."""
    parser = argparse.ArgumentParser(prog="m365lab")
    add_run_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["run", *argv])
    out = io.StringIO()
    code = cmd_run(args, console=Console(file=out, width=240, color_system=None, soft_wrap=True))
    return code, out.getvalue()


def junit_counts(report: Path) -> tuple[int, int, int]:
    suite = ET.parse(report / "junit.xml").getroot()
    return int(suite.get("tests")), int(suite.get("failures")), int(suite.get("errors"))


def test_the_suite_is_complete_and_valid():
    assert len(SUITE) >= 27
    code, out = run(*map(str, SUITE), "--check")
    assert (code, out.strip()) == (EXIT_OK, f"{len(SUITE)} scenario(s) valid")


def test_whole_suite_http_driver(lab_json, tmp_path):
    code, out = run(str(SCENARIOS), "--lab", lab_json, "--report", str(tmp_path), "-n", "2")
    assert code == EXIT_OK, out
    total = len(list(SCENARIOS.rglob("*.yaml")))
    assert f"{total} passed, 0 failed" in out
    assert junit_counts(tmp_path) == (total, 0, 0)


@pytest.mark.browser
def test_whole_suite_browser_driver(lab_json, tmp_path):
    if not chromium_available():
        pytest.skip(MISSING_MESSAGE)
    code, out = run(
        *map(str, SUITE), "--lab", lab_json, "--report", str(tmp_path), "-n", "2",
        "--driver", "browser",
    )  # fmt: skip
    assert code == EXIT_OK, out
    assert junit_counts(tmp_path) == (len(SUITE), 0, 0)
    shots = list((tmp_path / "artifacts").rglob("*.png"))
    assert shots, "the browser driver leaves an end-of-scenario screenshot"


def test_pytest_runs_the_suite_in_parallel(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    reply = subprocess.run(
        [sys.executable, "-m", "pytest", str(SCENARIOS), "-n", "2", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(REPO), f"--junitxml={tmp_path / 'junit.xml'}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert reply.returncode == 0, reply.stdout[-4000:] + reply.stderr[-2000:]
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    found = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert int(found.get("tests")) == len(list(SCENARIOS.rglob("*.yaml")))
    assert (found.get("failures"), found.get("errors")) == ("0", "0")


BROKEN = """
name: Broken on purpose
world:
  microsoft: {domains: [{name: "broken-${scenario.uid}.test"}]}
steps:
  - m365.authorize:
  - jumpcloud.suspend_usr: alice
  - expect.graph_user: {user: "${steps.nobody.id}"}
"""


def test_a_broken_scenario_fails_with_path_line_and_step(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(BROKEN).lstrip())
    code, _ = run(str(path), "--report", str(tmp_path / "r"))
    assert code == EXIT_INVALID
    err = capsys.readouterr().err
    assert f"{path}:6: step 2 (jumpcloud.suspend_usr): unknown step 'jumpcloud.suspend_usr'" in err
    assert "did you mean jumpcloud.suspend_user" in err
    assert f"{path}:7: step 3 (expect.graph_user):" in err and "no earlier step has id" in err
    assert "nothing was run" in err and not (tmp_path / "r").exists()


FAILING = """
name: Export shows the wrong surname
description: The expectation is wrong on purpose.
vars:
  domain: fail-${scenario.uid}.test
world:
  microsoft: {domains: [{name: "${vars.domain}"}]}
  jumpcloud:
    office365: {domains: ["${vars.domain}"]}
    users: [{username: zed, email: "zed@${vars.domain}", firstname: Zed, lastname: Real}]
    bindings: [zed]
steps:
  - m365.authorize:
  - expect.graph_user: {user: "zed@${vars.domain}", fields: {surname: Imagined}}
  - wait: 0
"""


def test_a_failing_expectation_shows_expected_actual_and_timeline(lab_json, tmp_path):
    path = tmp_path / "failing.yaml"
    path.write_text(textwrap.dedent(FAILING).lstrip())
    code, out = run(str(path), "--lab", lab_json, "--report", str(tmp_path / "r"))
    assert code == EXIT_FAILED
    assert "FAILED Export shows the wrong surname" in out
    assert "failing.yaml:13: step 2 (expect.graph_user): Graph user zed@" in out
    assert 'expected: {"surname": "Imagined"}' in out
    assert 'actual:   {"surname": "Real"}' in out
    assert "timeline:" in out and "graph     GET    /v1.0/users/zed@" in out
    failure = ET.parse(tmp_path / "r" / "junit.xml").getroot().find(".//failure")
    assert failure is not None and "timeline (trace" in failure.text

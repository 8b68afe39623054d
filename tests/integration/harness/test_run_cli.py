"""``m365lab run`` (cmd_run) against a real in-process lab."""

from __future__ import annotations

import importlib
from xml.etree import ElementTree as ET

import pytest

from harness.lab import SYSTEM_CLASSES

from .helpers import EXAMPLES, FAILING, run, write_scenario


def test_examples_pass_in_parallel_with_reports(lab_json, tmp_path):
    code, out = run(str(EXAMPLES), "--lab", lab_json, "--report", str(tmp_path), "-n", "2")
    assert code == 0, out
    assert "2 passed, 0 failed" in out
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")
    html = (tmp_path / "report.html").read_text()
    assert "id='timeline-1'" in html and "PUT /_lab/faults" in html


def test_failing_expectation_shows_expected_actual_and_timeline(lab_json, tmp_path):
    write_scenario(tmp_path / "s", "failing.yaml", FAILING)
    code, out = run(str(tmp_path / "s"), "--lab", lab_json, "--report", str(tmp_path / "r"))
    assert code == 1
    assert "FAILED Health says something else" in out
    assert "failing.yaml:6: step 2 (expect.equals): expected 'login', got 'console'" in out
    assert 'expected: "login"' in out and 'actual:   "console"' in out
    assert "console   GET    /_lab/health -> 200" in out
    failure = ET.parse(tmp_path / "r" / "junit.xml").getroot().find(".//failure")
    assert failure is not None and "timeline (trace" in failure.text


def test_invalid_file_runs_nothing(harness_lab, lab_json, tmp_path, capsys):
    write_scenario(tmp_path, "good.yaml", "name: good\nsteps:\n  - wait: 0\n")
    write_scenario(tmp_path, "bad.yaml", "name: bad\nsteps:\n  - wait: {seconds: soon}\n")
    before = harness_lab.ctx.journal.stats()["entries"]
    code, _ = run(str(tmp_path), "--lab", lab_json, "--report", str(tmp_path / "r"))
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.yaml:3: step 1 (wait): argument 'seconds' must be float, got str 'soon'" in err
    assert "nothing was run" in err
    assert harness_lab.ctx.journal.stats()["entries"] == before
    assert not (tmp_path / "r").exists()


def test_selection_and_check(lab_json, tmp_path):
    code, out = run(str(EXAMPLES), "--check", "-k", "dashboard")
    assert (code, out.strip()) == (0, "1 scenario(s) valid")
    code, _ = run(str(EXAMPLES), "--lab", lab_json, "--tags", "nonexistent")
    assert code == 5


def test_in_process_lab_when_no_lab_is_given(tmp_path):
    for name in ("microsoft", "jumpcloud"):
        module = SYSTEM_CLASSES[name].split(":")[0]
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not module.startswith(exc.name or "-"):
                pytest.skip(f"the {name} system does not import yet: {exc}")
    code, out = run(str(EXAMPLES / "control_plane.yaml"), "--report", str(tmp_path))
    assert code == 0, out

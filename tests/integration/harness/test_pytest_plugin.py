"""The pytest plugin: scenario files as tests, failure reports, xdist, fixtures."""

from __future__ import annotations

import subprocess
import sys

from .helpers import EXAMPLES, FAILING, plugin_args, write_scenario


def pytest_run(*args: str, cwd) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pytest", *plugin_args(), "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_examples_collected_and_passing_under_xdist(lab_json, tmp_path):
    done = pytest_run(str(EXAMPLES), "--lab", lab_json, "-n", "2", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_failure_repr_has_step_expected_actual_and_timeline(lab_json, tmp_path):
    write_scenario(tmp_path / "scenarios", "failing.yaml", FAILING)
    write_scenario(tmp_path / "scenarios", "ok.yaml", "name: fine\nsteps:\n  - wait: 0\n")
    done = pytest_run("scenarios", "--lab", lab_json, "-q", "-k", "failing", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "1 failed, 1 deselected" in out
    assert "failing.yaml:6: step 2 (expect.equals): expected 'login', got 'console'" in out
    assert 'expected: "login"' in out and 'actual:   "console"' in out
    assert "timeline (trace" in out and "GET    /_lab/health -> 200" in out


def test_invalid_scenario_is_a_collection_error_with_line(lab_json, tmp_path):
    write_scenario(tmp_path / "scenarios", "bad.yaml", "name: bad\nsteps:\n  - nope: 1\n")
    done = pytest_run("scenarios", "--lab", lab_json, "-q", cwd=tmp_path)
    assert done.returncode == 2
    assert "bad.yaml:3: step 1 (nope): unknown step 'nope'" in done.stdout


def test_fixtures(lab_json, tmp_path):
    (tmp_path / "test_fixtures.py").write_text(
        "def test_it(lab, world, http_user):\n"
        "    page = http_user.get(lab.url('dashboard') + '/?token=' + lab.data['admin_token'])\n"
        "    assert page.page_id == 'dashboard.timeline'\n"
        "    assert world.id and http_user.trace\n"
    )
    done = pytest_run("test_fixtures.py", "--lab", lab_json, "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr

"""State survives a restart with --state-dir; the CLI fails with one clear line."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from harness.lab import Lab, LabOptions, wait_until
from simulators.core.httpclient import lab_session

from .labsystems import RelaySystem

CLI = [sys.executable, "-m", "harness.cli"]


def _options(state_dir) -> LabOptions:
    return LabOptions(
        state_dir=state_dir,
        port_base=0,
        systems=("relay",),
        system_classes={"relay": RelaySystem},
        default_world=False,
    )


def test_state_dir_survives_a_restart(tmp_path):
    with Lab(_options(tmp_path)) as lab:
        session = lab_session(lab.ctx.ca_file)
        for _ in range(3):
            session.post(lab.ctx.url("graph") + "/count")
        token = lab.ctx.admin_token
        descriptor = json.loads((tmp_path / "lab.json").read_text())
    assert descriptor["admin_token"] == token
    with Lab(_options(tmp_path)) as lab:
        session = lab_session(lab.ctx.ca_file)
        assert session.post(lab.ctx.url("graph") + "/count").json()["value"] == 4
        assert lab.ctx.admin_token == token


def _run(*args, env=None, timeout=30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("up", "--port-base", str(port), "--state-dir", str(tmp_path))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"m365lab: port {port} (login) is already in use on 127.0.0.1; "
        "stop the other program or choose another --port-base"
    ]


def test_bad_options_are_one_clear_line():
    for args, needle in (
        (["up", "--port-base", "abc"], "invalid port base 'abc'"),
        (["up", "--port-base", "70000"], "invalid port base 70000"),
        (["up", "--hostnames", "nope=x"], "invalid --hostnames item"),
        (["serve", "nothing"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
    ):
        result = _run(*args)
        assert result.returncode == 2, args
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert needle in result.stderr and "Traceback" not in result.stderr


def test_unwritable_state_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = _run("up", "--port-base", "0", "--state-dir", str(blocker / "state"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"m365lab: cannot write state directory {blocker}/state")
    assert len(result.stderr.strip().splitlines()) == 1


def test_env_without_a_lab_is_one_clear_line(tmp_path):
    result = _run("env", env={"XDG_STATE_HOME": str(tmp_path), "M365LAB_DESCRIPTOR": ""})
    assert result.returncode == 1
    assert "no running lab found" in result.stderr and "Traceback" not in result.stderr


def test_up_env_status_and_clean_stop(tmp_path):
    env = {"XDG_STATE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(
        [*CLI, "up", "--port-base", "0", "--state-dir", str(tmp_path / "s"), "--no-default-world"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:

        def published() -> bool:
            assert proc.poll() is None, proc.stderr.read()
            return (tmp_path / "xdg" / "m365lab" / "lab.json").exists()

        wait_until(published, 20, 0.1, what="lab.json published")
        shell = _run("env", env=env)
        assert shell.returncode == 0
        assert "export REQUESTS_CA_BUNDLE=" in shell.stdout
        data = json.loads(_run("env", "--json", env=env).stdout)
        assert set(data["urls"]) == {"login", "graph", "portal", "console", "sso", "dashboard"}
        assert data["urls"]["graph"].endswith("/v1.0")
        status = _run("status", "--state-dir", str(tmp_path / "s"))
        assert status.returncode == 0 and status.stdout.count(" ok ") == 6, status.stdout
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "m365lab: stopped" in err
    assert not (tmp_path / "xdg" / "m365lab" / "lab.json").exists()

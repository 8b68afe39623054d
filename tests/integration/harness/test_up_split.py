"""``m365lab up --split``: Microsoft and JumpCloud in processes of their own, one lab."""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys

import pytest
import requests

from harness.clients.useragent import UserAgent
from harness.lab import wait_until
from harness.lab.split import free_port_block
from simulators.core.httpclient import lab_session

CLI = [sys.executable, "-m", "harness.cli"]


@pytest.fixture(scope="module")
def split_lab(tmp_path_factory):
    state = tmp_path_factory.mktemp("split")
    proc = subprocess.Popen(
        [*CLI, "up", "--split", "--port-base", "0", "--state-dir", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def up() -> bool:
        assert proc.poll() is None, proc.stderr.read()
        return "people" in _descriptor(state)

    wait_until(up, 90, 0.2, what="the split lab up with its default world")
    yield state, proc
    if proc.poll() is None:
        proc.terminate()
        proc.communicate(timeout=30)


def _descriptor(state) -> dict:
    try:
        return json.loads((state / "lab.json").read_text())
    except (OSError, ValueError):
        return {}


def test_each_system_answers_from_its_own_process(split_lab):
    state, _ = split_lab
    lab = _descriptor(state)
    with lab_session(lab["ca_bundle"]) as session:
        process = {
            host: session.get(url.removesuffix("/v1.0") + "/_lab/health", timeout=5).json()[
                "process"
            ]
            for host, url in lab["urls"].items()
        }
    assert process["login"] == process["graph"]
    assert process["console"] == process["sso"]
    systems = {process[h] for h in ("login", "portal", "console", "dashboard")}
    assert len(systems) == 4, "Entra + Graph, the portal, JumpCloud, the dashboard"
    for system in ("microsoft", "portal", "jumpcloud"):
        assert (state / "logs" / f"{system}.log").exists()


def test_federated_sign_in_crosses_the_processes(split_lab):
    state, _ = split_lab
    lab = _descriptor(state)
    alice = next(p for p in lab["people"] if p["upn"].startswith("alice@"))
    with UserAgent(lab["ca_bundle"]) as agent:
        home = agent.get(lab["urls"]["portal"] + "/")
        page = agent.get(home.link("signin-link"))
        page = page.form("credentials").fill(loginfmt=alice["upn"]).submit()
        assert page.page_id == "jc.userportal.signin"
        page = page.form("login-form").fill(email=alice["upn"], password=alice["password"])
        page = page.submit()
    assert page.page_id == "portal.signedin" and page.text_of("user-upn") == alice["upn"]


def test_stopping_the_lab_stops_every_process(split_lab):
    state, proc = split_lab
    urls = _descriptor(state)["urls"]
    ca = _descriptor(state)["ca_bundle"]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "m365lab: stopped" in err
    with lab_session(ca) as session:
        for host in ("login", "console"):
            with pytest.raises(requests.ConnectionError):
                session.get(urls[host] + "/_lab/health", timeout=2)


def test_a_system_port_in_use_is_one_clear_line(tmp_path):
    base = free_port_block(argparse.Namespace(host="127.0.0.1", hostnames={}, bind=None))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base + 3))  # the console host's port
        taken.listen()
        result = subprocess.run(
            [*CLI, "up", "--split", "--port-base", str(base), "--state-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"m365lab: port {base + 3} (console) is already in use on 127.0.0.1; "
        "stop the other program or choose another --port-base"
    ]


def test_an_unwritable_state_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = subprocess.run(
        [*CLI, "up", "--split", "--state-dir", str(blocker / "state")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"m365lab: cannot write state directory {blocker}/state")
    assert len(result.stderr.strip().splitlines()) == 1

"""``m365lab up`` stops within 3 s on SIGTERM, even with binds in flight, and loses nothing
that was acknowledged: pending exports are pushed after the next start."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.lab import WaitTimeout, wait_until
from simulators.core.httpclient import lab_session

CLI = [sys.executable, "-m", "harness.cli"]
USERS = 60


def _up(state) -> tuple[subprocess.Popen, dict]:
    proc = subprocess.Popen(
        [*CLI, "up", "--port-base", "0", "--state-dir", str(state)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def up() -> dict | None:
        try:
            data = json.loads((state / "lab.json").read_text())
            if "people" in data and data.get("pid") == proc.pid:
                return data
        except (OSError, ValueError):
            pass
        assert proc.poll() is None, proc.stderr.read()
        return None

    return proc, wait_until(up, 90, 0.1, what="the lab up with its default world")


def _graph(lab: dict):
    ms = lab["microsoft"]
    session = lab_session(lab["ca_bundle"])
    login = lab["urls"]["login"]
    token = session.post(
        f"{login}/{ms['tenant_id']}/oauth2/v2.0/token",
        data={"grant_type": "client_credentials", "client_id": ms["app"]["client_id"],
              "client_secret": ms["app"]["client_secret"],
              "scope": "https://graph.microsoft.com/.default"},
        timeout=30,
    ).json()["access_token"]  # fmt: skip
    session.headers["Authorization"] = f"Bearer {token}"
    return session


@pytest.mark.slow
def test_sigterm_during_a_burst_of_binds(tmp_path):
    state = tmp_path / "state"
    proc, lab = _up(state)
    jc = lab["jumpcloud"]
    api = lab_session(lab["ca_bundle"])
    api.headers["x-api-key"] = jc["api_key"]
    base = lab["urls"]["console"] + "/api"
    ids = []
    for i in range(USERS):
        user = api.post(
            f"{base}/systemusers",
            json={"username": f"burst{i}", "email": f"burst{i}@fabrikam.com",
                  "firstname": "Burst", "lastname": f"U{i}"},
            timeout=30,
        ).json()  # fmt: skip
        ids.append(user["_id"])
    acknowledged: list[int] = []
    started = threading.Event()

    def bind(i: int) -> None:
        started.set()
        try:
            reply = lab_session(lab["ca_bundle"]).post(
                f"{base}/v2/office365s/{jc['office365_id']}/associations",
                json={"op": "add", "type": "user", "id": ids[i]},
                headers={"x-api-key": jc["api_key"]},
                timeout=30,
            )
        except OSError:
            return
        if reply.status_code == 204:
            acknowledged.append(i)

    pool = ThreadPoolExecutor(8)
    futures = [pool.submit(bind, i) for i in range(USERS)]
    started.wait(10)
    time.sleep(0.5)  # binds are in flight
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    stopped = time.monotonic() - sent
    for future in futures:
        future.result()
    pool.shutdown()
    assert stopped <= 3.0, f"stopping took {stopped:.1f} s"
    assert acknowledged, "no bind was acknowledged before the stop"

    proc, lab = _up(state)  # same ports and state: pending exports resume
    try:
        graph = _graph(lab)
        missing = sorted(acknowledged)

        def exported() -> bool:
            missing[:] = [
                i for i in missing
                if graph.get(f"{lab['urls']['graph']}/users/burst{i}@fabrikam.com",
                             timeout=30).status_code != 200
            ]  # fmt: skip
            return not missing

        with contextlib.suppress(WaitTimeout):
            wait_until(exported, 60, 0.5)
        assert missing == [], f"acknowledged binds not exported after the restart: {missing}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)

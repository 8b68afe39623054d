"""Labs started at once against an empty CA directory share one CA (made under a file lock)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from harness.lab import wait_until

CLI = [sys.executable, "-m", "harness.cli"]
LABS = 3
ROUNDS = 10


def _up(state, ca_dir) -> subprocess.Popen:
    env = {**os.environ, "M365LAB_CA_DIR": str(ca_dir)}
    return subprocess.Popen(
        [*CLI, "up", "--port-base", "0", "--no-default-world", "--state-dir", str(state)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _descriptor(state, proc) -> dict:

    def written() -> dict | None:
        try:
            return json.loads((state / "lab.json").read_text())
        except (OSError, ValueError):
            assert proc.poll() is None, proc.stderr.read()
            return None

    return wait_until(written, 60, 0.05, what="lab.json written")


def _verify(url: str, ca_bundle: str) -> None:
    """A TLS handshake that checks the served chain and name against the lab's own CA."""
    parts = urlsplit(url)
    context = ssl.create_default_context(cafile=ca_bundle)
    with (
        socket.create_connection((parts.hostname, parts.port), timeout=10) as sock,
        context.wrap_socket(sock, server_hostname=parts.hostname),
    ):
        pass


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(ROUNDS))
def test_labs_started_together_serve_certificates_of_the_ca_they_publish(tmp_path, round_):
    ca_dir = tmp_path / "ca"  # empty every round
    states = [tmp_path / f"lab{i}" for i in range(LABS)]
    procs = [_up(state, ca_dir) for state in states]
    try:
        for state, proc in zip(states, procs, strict=True):
            lab = _descriptor(state, proc)
            for url in lab["urls"].values():
                _verify(url, lab["ca_bundle"])
        assert len(list(ca_dir.glob("ca.pem"))) == 1
        assert not [p for p in ca_dir.iterdir() if p.name.startswith(".ca.")]  # no leftovers
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)

"""The docker-compose layout in miniature: each system in its own process, the dashboard
service builds the default world through the others' public APIs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

from harness.lab import wait_until
from harness.lab.split import free_port_block


def test_serve_processes_and_a_remote_default_world(tmp_path):
    # every port of the block free, as `up --split` picks one (not just the first)
    base = free_port_block(SimpleNamespace(host="127.0.0.1", hostnames={}, bind=None))
    env = {**os.environ, "M365LAB_ADMIN_TOKEN": "split-token", "M365LAB_PORT_BASE": str(base)}
    procs = []
    try:
        # as docker-compose.yml: the portal shares Microsoft's state (OfficeHome's client secret)
        for system, state in (("microsoft", "microsoft"), ("portal", "microsoft"),
                              ("jumpcloud", "jumpcloud")):  # fmt: skip
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "harness.cli",
                        "serve",
                        system,
                        "--state-dir",
                        str(tmp_path / state),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "harness.cli",
                    "serve",
                    "dashboard",
                    "--state-dir",
                    str(tmp_path / "dashboard"),
                    "--default-world",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        lab_json = tmp_path / "dashboard" / "lab.json"

        def built() -> bool:
            for proc in procs:
                assert proc.poll() is None, proc.stderr.read()
            return lab_json.exists()

        wait_until(built, 120, 0.2, what="the default world built")
        data = json.loads(lab_json.read_text())
        assert data["admin_token"] == "split-token"
        assert {p["sign_in"] for p in data["people"]} >= {"ok", "AADSTS51004"}
        assert data["jumpcloud"]["office365_id"] and data["microsoft"]["tenant_id"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)

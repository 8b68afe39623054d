"""``/events`` streams through both server engines: an event arrives while the response is open."""

from __future__ import annotations

import json
import threading
import time

import pytest

from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session


@pytest.fixture(params=["cheroot", "werkzeug"])
def bare_lab(request, tmp_path):
    lab = Lab(
        LabOptions(state_dir=tmp_path, port_base=0, engine=request.param, default_world=False)
    ).start()
    yield lab
    lab.stop()


def test_an_exchange_reaches_an_open_event_stream_at_once(bare_lab):
    lab = bare_lab
    session = lab_session(lab.ctx.ca_file)
    session.headers["Authorization"] = f"Bearer {lab.ctx.admin_token}"
    got: list[tuple[float, dict]] = []
    opened = threading.Event()

    def listen() -> None:
        with session.get(lab.ctx.url("dashboard") + "/events", stream=True, timeout=10) as reply:
            assert reply.headers["Content-Type"].startswith("text/event-stream")
            opened.set()
            for line in reply.iter_lines(chunk_size=1, decode_unicode=True):
                if line.startswith("data: ") and "live-probe" in line:
                    got.append((time.monotonic(), json.loads(line[6:])))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(5)
    time.sleep(0.2)
    sent = time.monotonic()
    with lab_session(lab.ctx.ca_file) as other:
        other.get(lab.ctx.url("portal") + "/?live-probe=1", timeout=5)
    listener.join(5)
    assert got, "no event arrived"
    arrived, entry = got[0]
    assert entry["host"] == "portal" and entry["status"] == 200
    assert arrived - sent < 1.0


def test_events_need_the_admin(bare_lab):
    with lab_session(bare_lab.ctx.ca_file) as session:
        reply = session.get(bare_lab.ctx.url("dashboard") + "/events", timeout=5)
    assert reply.status_code == 401

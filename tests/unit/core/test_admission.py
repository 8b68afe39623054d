"""Admission: how many requests of a host run the application at once."""

from __future__ import annotations

import threading
import time

from simulators.core.admission import Admission, released
from simulators.core.httpclient import LAB_USER_AGENT


class SlowApp:
    """A WSGI app that counts the requests inside it and waits for ``go`` before answering."""

    def __init__(self, *, sleep_released: float = 0.0) -> None:
        self.inside = 0
        self.most = 0
        self.lock = threading.Lock()
        self.go = threading.Event()
        self.sleep_released = sleep_released

    def __call__(self, environ, start_response):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            if self.sleep_released:
                with released(environ):
                    time.sleep(self.sleep_released)
            else:
                self.go.wait(5)
        finally:
            with self.lock:
                self.inside -= 1
        start_response("200 OK", [])
        return [b"ok"]


def _run(app, paths: list[str], agent: str = "") -> list[threading.Thread]:
    environs = [{"PATH_INFO": p, "HTTP_USER_AGENT": agent} for p in paths]
    threads = [threading.Thread(target=app, args=(e, lambda *a: None)) for e in environs]
    for t in threads:
        t.start()
    return threads


def test_at_most_the_admitted_number_run_at_once():
    inner = SlowApp()
    threads = _run(Admission(inner, admitted=2, patience=5), ["/a"] * 6)
    time.sleep(0.2)
    assert inner.inside == 2  # the other four wait their turn
    inner.go.set()
    for t in threads:
        t.join(5)
    assert inner.most == 2 and inner.inside == 0


def test_control_plane_requests_never_wait():
    inner = SlowApp()
    threads = _run(Admission(inner, admitted=1, patience=5), ["/a", "/_lab/health"])
    time.sleep(0.2)
    assert inner.inside == 2
    inner.go.set()
    for t in threads:
        t.join(5)


def test_calls_between_lab_hosts_never_wait():
    inner = SlowApp()
    admission = Admission(inner, admitted=1, patience=5)
    threads = _run(admission, ["/a"]) + _run(admission, ["/b", "/c"], agent=LAB_USER_AGENT)
    time.sleep(0.2)
    assert inner.inside == 3
    inner.go.set()
    for t in threads:
        t.join(5)


def test_a_request_whose_turn_does_not_come_runs_after_the_patience():
    inner = SlowApp()
    threads = _run(Admission(inner, admitted=1, patience=0.2), ["/a", "/b"])
    time.sleep(0.05)
    assert inner.inside == 1
    time.sleep(0.4)
    assert inner.inside == 2  # a host calling itself cannot stall for good
    inner.go.set()
    for t in threads:
        t.join(5)


def test_a_waiting_request_lends_its_turn():
    inner = SlowApp(sleep_released=0.3)
    threads = _run(Admission(inner, admitted=1, patience=5), ["/a"] * 3)
    time.sleep(0.15)
    assert inner.inside == 3  # each sleeps with its turn given back (an injected latency)
    for t in threads:
        t.join(5)
    assert inner.inside == 0


def test_released_outside_admission_is_a_plain_block():
    with released({}):
        pass


def test_the_wrapped_application_stays_reachable():
    inner = SlowApp()
    inner.url_map = "the map"  # type: ignore[attr-defined]
    assert Admission(inner).url_map == "the map"

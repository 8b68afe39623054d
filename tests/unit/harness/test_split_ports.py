"""``up --split --port-base 0``: the block of ports, and a new block when one is taken."""

from __future__ import annotations

import errno
import importlib
from types import SimpleNamespace

import pytest

from harness.lab import split
from simulators.core.server import PortInUseError
from simulators.core.topology import HOSTS

main = importlib.import_module("harness.cli.main")  # the package's ``main`` is the function


def test_ephemeral_low_reads_the_system_range(tmp_path):
    path = tmp_path / "range"
    path.write_text("40000\t60999\n")
    assert split.ephemeral_low(path) == 40000
    assert split.ephemeral_low(tmp_path / "missing") == 32768
    path.write_text("garbage")
    assert split.ephemeral_low(path) == 32768


def test_the_block_lies_below_the_ephemeral_range(monkeypatch):
    monkeypatch.setattr(split, "ephemeral_low", lambda: 32768)
    args = SimpleNamespace(host="127.0.0.1", hostnames={}, bind=None)
    for _ in range(20):
        base = split.free_port_block(args)
        assert base >= 20000 and base + len(HOSTS) <= 32768


class _Children:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class _Taken(PortInUseError):
    def __init__(self) -> None:
        OSError.__init__(self, errno.EADDRINUSE, "address already in use")


def _args() -> SimpleNamespace:
    return SimpleNamespace(port_base=30000, no_default_world=True)


def test_a_taken_port_means_a_new_block_and_the_first_children_stopped(monkeypatch):
    started: list[_Children] = []
    bases: list[int] = []

    def start_children(args, state_dir, port_base):
        bases.append(port_base)
        started.append(_Children())
        return started[-1]

    outcomes = iter([_Taken(), "dashboard"])

    def start_dashboard(*_):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(split, "start_system_processes", start_children)
    monkeypatch.setattr(split, "free_port_block", lambda args: 31000)
    monkeypatch.setattr(main, "_start", start_dashboard)
    children, lab = main._start_split(_args(), None, attempts=3)
    assert lab == "dashboard" and children is started[1]
    assert bases == [30000, 31000]
    assert started[0].stopped and not started[1].stopped


def test_a_chosen_port_base_is_not_changed(monkeypatch):
    monkeypatch.setattr(split, "start_system_processes", lambda *a: _Children())
    monkeypatch.setattr(main, "_start", lambda *a: (_ for _ in ()).throw(_Taken()))
    with pytest.raises(PortInUseError):
        main._start_split(_args(), None, attempts=1)

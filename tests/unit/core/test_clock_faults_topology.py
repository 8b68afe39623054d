"""Lab clock, fault rules and topology: pure logic."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from simulators.core.clock import LabClock
from simulators.core.faults import FaultRules
from simulators.core.topology import HOSTS, Topology, TopologyError


def test_clock_offset_freeze_and_advance():
    clock = LabClock()
    clock.set_offset(3600)
    assert abs(clock.timestamp() - (time.time() + 3600)) < 1
    instant = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    clock.apply({"frozen_at": instant.isoformat()})
    assert clock.now() == instant
    clock.apply({"advance_seconds": 30})
    assert clock.now() == instant + dt.timedelta(seconds=30)
    assert clock.state()["frozen"] is True
    clock.apply({"reset": True})
    assert abs(clock.timestamp() - time.time()) < 1


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        {"offset_seconds": "x"},
        {"later": 1},
        {"frozen_at": "tomorrow"},
        {"advance_seconds": True},
    ],
)
def test_clock_rejects_bad_bodies(body):
    with pytest.raises(ValueError):
        LabClock().apply(body)


def test_fault_rules_match_count_and_probability():
    rules = FaultRules(seed=1)
    rules.replace(
        {
            "rules": [
                {"host": "graph", "path": "/v1.0/users*", "status": 503, "count": 1},
                {"host": "*", "method": "GET", "path": "*", "latency_ms": 5, "probability": 0.5},
            ]
        }
    )
    assert rules.pick("graph", "POST", "/v1.0/users").status == 503
    assert rules.pick("graph", "POST", "/v1.0/users") is None  # count spent, 2nd rule is GET
    hits = sum(rules.pick("login", "GET", "/x") is not None for _ in range(200))
    assert 60 < hits < 140


@pytest.mark.parametrize(
    "rule,needle",
    [
        ({"status": 200}, "status"),
        ({"count": -1, "status": 500}, "count"),
        ({"probability": 2, "status": 500}, "probability"),
        ({}, "needs a status"),
        ({"bogus": 1}, "unknown field"),
    ],
)
def test_fault_rules_are_validated(rule, needle):
    with pytest.raises(ValueError, match=needle):
        FaultRules().replace([rule])


def test_topology_ports_names_and_urls():
    topo = Topology.build("127.0.0.1", 9000)
    assert [topo.hosts[h].port for h in HOSTS] == list(range(9000, 9006))
    assert topo.urls()["graph"] == "https://127.0.0.1:9001/v1.0"
    named = Topology.build(
        "lab.local", 443, names={"login": "login.lab"}, ports={h: 443 for h in HOSTS}
    )
    assert named.url("login") == "https://login.lab" and named.url("graph") == "https://lab.local"
    assert "login.lab" in named.dns_names() and named.hosts["login"].bind == "0.0.0.0"
    free = Topology.build("127.0.0.1", 0)
    assert len({s.port for s in free.hosts.values()}) == len(HOSTS)


@pytest.mark.parametrize(
    "kwargs", [{"port_base": 70000}, {"names": {"nope": "x"}}, {"host": "bad host!"}]
)
def test_topology_rejects_bad_layouts(kwargs):
    with pytest.raises(TopologyError):
        Topology.build(**kwargs)

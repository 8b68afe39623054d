"""docker-compose.yml agrees with the topology (no Docker engine runs here, so check the file)."""

from __future__ import annotations

from pathlib import Path

import yaml

from simulators.core.topology import DEFAULT_PORT_BASE, HOSTS, SYSTEM_HOSTS

ROOT = Path(__file__).resolve().parents[3]


def test_compose_services_ports_and_names_match_the_topology():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == set(SYSTEM_HOSTS)
    images = {svc.get("image") for svc in services.values()}
    assert images == {"m365lab:latest"}, "one image for every service"
    for system, hosts in SYSTEM_HOSTS.items():
        svc = services[system]
        assert svc["command"][:2] == ["serve", system]
        assert set(svc["networks"]["lab"]["aliases"]) == set(hosts)
        expected_ports = {DEFAULT_PORT_BASE + HOSTS.index(h) for h in hosts}
        published = {int(p.split(":")[1]) for p in svc["ports"]}
        assert published == expected_ports
        assert "ca:/ca" in svc["volumes"]
        env = svc["environment"]
        names = dict(item.split("=") for item in env["M365LAB_HOSTNAMES"].split(","))
        assert names == {h: h for h in HOSTS}
        assert env["M365LAB_CA_DIR"] == "/ca" and int(env["M365LAB_PORT_BASE"]) == 8443
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["m365lab"]' in dockerfile

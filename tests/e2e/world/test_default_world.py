"""The default world is built through public interfaces and every person's sign_in is true."""

from __future__ import annotations

import pyotp
import pytest

from harness.drivers.flows import Credentials, Journey, sign_in_microsoft
from harness.drivers.http import HttpDriver
from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab(LabOptions(state_dir=tmp_path_factory.mktemp("default"), port_base=0)).start()
    yield lab
    lab.stop()


def _journey(lab: Lab, person: dict) -> Journey:
    def totp(secret: str, _host: str) -> str:
        return pyotp.TOTP(secret).at(lab.clock.now())

    creds = Credentials(
        username=person["upn"],
        password=person["password"],
        jumpcloud_username=person["jumpcloud_username"],
        jumpcloud_password=person["password"],
        totp_secret=person.get("totp_secret"),
    )
    return Journey(HttpDriver(str(lab.ctx.ca_file)), lab.ctx.url, totp, creds)


def test_descriptor_has_both_systems_and_the_people(lab):
    data = lab.descriptor()
    assert data["microsoft"]["initial_domain"] == "contoso.onmicrosoft.com"
    assert {"contoso.com", "fabrikam.com"} <= {
        d if isinstance(d, str) else d.get("name", d.get("id"))
        for d in data["microsoft"]["domains"]
    }
    assert data["jumpcloud"]["api_key"] and data["jumpcloud"]["office365_id"]
    outcomes = {p["upn"].split("@")[0]: p["sign_in"] for p in data["people"]}
    assert outcomes["alice"] == "ok" and outcomes["nora"] == "AADSTS51004"
    assert outcomes["carol"] == "jumpcloud:suspended"


def test_contoso_is_federated_through_graph(lab):
    ms = lab.descriptor()["microsoft"]
    session = lab_session(lab.ctx.ca_file)
    token = session.post(
        f"{lab.ctx.url('login')}/{ms['tenant_id']}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ms["app"]["client_id"],
            "client_secret": ms["app"]["client_secret"],
            "scope": "https://graph.microsoft.com/.default",
        },
    ).json()["access_token"]
    domain = session.get(
        f"{lab.ctx.url('graph')}/v1.0/domains/contoso.com",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    assert domain["authenticationType"] == "Federated"


def test_the_integration_was_authorized_through_the_consent_flow(lab):
    jc = lab.descriptor()["jumpcloud"]
    session = lab_session(lab.ctx.ca_file)
    directories = session.get(
        f"{lab.ctx.url('console')}/api/v2/directories", headers={"x-api-key": jc["api_key"]}
    ).json()
    (m365,) = [d for d in directories if d["type"] == "office_365"]
    assert m365["oAuthStatus"].get("error") in (None, "")
    consent_posts = [
        e
        for e in lab.journal()
        if e["host"] == "login" and e["method"] == "POST" and "consent" in e["url"].lower()
    ]
    assert consent_posts, "consent was given through the real pages"


@pytest.mark.parametrize("name", ["alice", "nora", "bob", "carol", "dave", "erin", "ivan"])
def test_each_persons_sign_in_outcome_is_what_lab_json_says(lab, name):
    person = next(p for p in lab.world().people if p["upn"].startswith(name + "@"))
    outcome = sign_in_microsoft(_journey(lab, person))
    assert outcome.outcome == person["sign_in"], outcome.as_dict()
    if person["sign_in"] == "ok":
        assert outcome.details["upn"] == person["upn"]


def test_restart_on_other_ports_keeps_the_default_world_working(lab):
    before = lab.descriptor()
    state_dir = lab.ctx.state_dir
    lab.stop()
    again = Lab(LabOptions(state_dir=state_dir, port_base=0)).start()
    try:
        after = again.descriptor()
        assert after["urls"] != before["urls"]  # port_base=0 gave new ports
        assert after["microsoft"]["tenant_id"] == before["microsoft"]["tenant_id"]
        assert after["people"] == before["people"]
        # the federation, the SAML connector and the consent redirect followed the hosts
        for name in ("alice", "nora", "dave"):
            person = next(p for p in after["people"] if p["upn"].startswith(name + "@"))
            outcome = sign_in_microsoft(_journey(again, person))
            assert outcome.outcome == person["sign_in"], outcome.as_dict()
        jc = after["jumpcloud"]
        api = lab_session(again.ctx.ca_file)
        api.headers["x-api-key"] = jc["api_key"]
        base = again.ctx.url("console") + "/api"
        user = api.post(
            f"{base}/systemusers",
            json={"username": "mover", "email": "mover@fabrikam.com", "firstname": "Mo",
                  "lastname": "Ver"},
        ).json()  # fmt: skip
        bound = api.post(
            f"{base}/v2/office365s/{jc['office365_id']}/associations",
            json={"op": "add", "type": "user", "id": user["_id"]},
        )
        assert bound.status_code == 204, bound.text
        statuses = api.get(
            f"{base}/v2/office365s/{jc['office365_id']}/users", params={"syncStatus": "true"}
        ).json()
        mover = next(s for s in statuses if s["id"] == user["_id"])
        assert mover["syncStatus"]["code"] == 200 and mover["externalId"], mover
    finally:
        again.stop()
    lab.start()


def test_cli_reset_rebuilds_the_default_world(lab):
    import json
    import subprocess
    import sys

    before = lab.descriptor()["microsoft"]["tenant_id"]
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "reset", "--state-dir", str(lab.ctx.state_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "rebuilt the default world" in result.stdout
    data = json.loads((lab.ctx.state_dir / "lab.json").read_text())
    assert data["microsoft"]["tenant_id"] != before
    alice = next(p for p in data["people"] if p["upn"].startswith("alice@"))
    lab.reload()
    assert lab.world().tenant_id == data["microsoft"]["tenant_id"]
    assert sign_in_microsoft(_journey(lab, alice)).outcome == "ok"

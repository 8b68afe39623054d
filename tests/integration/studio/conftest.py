"""A default-world lab and real sign-ins journaled by it, captured at test time (never stored):
a browser-like agent that sends no X-Lab-Trace, the HTTP driver (which does), msal's
authorization-code flow, and, where Chromium is installed, Chromium itself."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import msal
import pyotp
import pytest

from harness.clients.useragent import UserAgent
from harness.drivers.flows import Credentials, Journey, Outcome, sign_in_microsoft
from harness.drivers.http import HttpDriver
from harness.lab import Lab, LabOptions
from simulators.core.httpclient import lab_session
from simulators.core.journal import TRACE_HEADER

MSAL_USER = {"userPrincipalName": "megan@studio-msal.example", "password": "Megan-Pass-1"}


@dataclass
class Capture:
    """The journal entries one sign-in (or several at once) left, and how it ended."""

    entries: list[dict]
    outcomes: dict[str, str]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    lab = Lab(LabOptions(state_dir=tmp_path_factory.mktemp("studio"), port_base=0)).start()
    yield lab
    lab.stop()


def person(lab: Lab, name: str) -> dict:
    return next(p for p in lab.descriptor()["people"] if p["upn"].startswith(name + "@"))


def _journey(lab: Lab, driver, who: dict) -> Journey:
    creds = Credentials(
        username=who["upn"],
        password=who["password"],
        jumpcloud_username=who["jumpcloud_username"],
        jumpcloud_password=who["password"],
        totp_secret=who.get("totp_secret"),
    )
    return Journey(driver, lab.ctx.url, lambda s, _h: pyotp.TOTP(s).at(lab.ctx.clock.now()), creds)


def browser_like(lab: Lab) -> HttpDriver:
    """The HTTP driver without its trace header: each request gets a trace of its own, as a
    browser's do."""
    driver = HttpDriver(str(lab.ctx.ca_file))
    driver.agent.headers.pop(TRACE_HEADER)
    return driver


def capture(lab: Lab, action: Callable[[], dict[str, str]]) -> Capture:
    journal = lab.ctx.journal
    before = max((e["seq"] for e in journal.query(limit=1)), default=0)
    outcomes = action()
    return Capture(journal.query(since=before), outcomes)


def sign_in(lab: Lab, name: str, driver=None) -> dict[str, str]:
    """``name`` signs in at the Microsoft 365 portal (through a browser-like agent by default)."""
    own = driver is None
    driver = driver or browser_like(lab)
    try:
        outcome: Outcome = sign_in_microsoft(_journey(lab, driver, person(lab, name)))
    finally:
        if own:
            driver.close()
    return {name: outcome.outcome}


@pytest.fixture(scope="session")
def browser_signins(lab) -> dict[str, Capture]:
    """alice (federated), nora (not bound), carol (suspended), dave (TOTP), bob (managed)."""
    return {
        name: capture(lab, lambda name=name: sign_in(lab, name))
        for name in ("alice", "nora", "carol", "dave", "bob")
    }


@pytest.fixture(scope="session")
def driver_signin(lab) -> Capture:
    """alice and then nora through the HTTP driver, with one trace for both sign-ins (as a
    scenario's steps share one)."""
    ca = str(lab.ctx.ca_file)

    def both() -> dict[str, str]:
        outcomes: dict[str, str] = {}
        for name in ("alice", "nora"):
            driver = HttpDriver(ca, trace="studio-driver-trace")
            try:
                outcomes.update(sign_in(lab, name, driver))
            finally:
                driver.close()
        return outcomes

    return capture(lab, both)


@pytest.fixture(scope="session")
def concurrent_signins(lab) -> Capture:
    """alice, nora and dave signing in at the same moment from three browsers."""

    def run() -> dict[str, str]:
        results: dict[str, str] = {}
        threads = [
            threading.Thread(target=lambda n=n: results.update(sign_in(lab, n)))
            for n in ("alice", "nora", "dave")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    return capture(lab, run)


@pytest.fixture(scope="session")
def msal_signin(lab) -> Capture:
    """msal's authorization-code flow; a browser-like agent (no trace header) does the pages."""
    login, portal, ca = lab.ctx.url("login"), lab.ctx.url("portal"), str(lab.ctx.ca_file)
    redirect_uri = f"{portal}/_test/callback"
    with lab_session(ca) as session:
        reply = session.post(
            f"{login}/_lab/worlds",
            headers={"Authorization": f"Bearer {lab.ctx.admin_token}"},
            json={
                "id": "studio-msal",
                "microsoft": {
                    "tenant": "Studio",
                    "domains": [{"name": "studio-msal.example"}],
                    "users": [{**MSAL_USER, "displayName": "Megan Bowen"}],
                    "apps": [
                        {
                            "displayName": "Web app",
                            "delegated_scopes": ["User.Read"],
                            "redirect_uris": [redirect_uri],
                        }
                    ],
                },
            },
        )
        assert reply.status_code == 201, reply.text
        world = reply.json()["microsoft"]

    def run() -> dict[str, str]:
        web = world["apps"][0]
        app = msal.ConfidentialClientApplication(
            web["client_id"],
            client_credential=web["client_secret"],
            authority=f"{login}/organizations",
            verify=ca,
            instance_discovery=False,
        )
        flow = app.initiate_auth_code_flow(["User.Read"], redirect_uri=redirect_uri)
        with UserAgent(ca) as agent:
            agent.headers.pop(TRACE_HEADER)
            page = agent.get(flow["auth_uri"])
            page = page.form("credentials").fill(loginfmt=MSAL_USER["userPrincipalName"]).submit()
            page = page.form("credentials").fill(passwd=MSAL_USER["password"]).submit()
            page = page.form("consent").submit("accept")
        response = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
        result = app.acquire_token_by_auth_code_flow(flow, response)
        return {"megan": "ok" if "access_token" in result else str(result)}

    with pytest.MonkeyPatch.context() as env:
        env.setenv("REQUESTS_CA_BUNDLE", ca)  # msal's own HTTP client, as its docs configure it
        found = capture(lab, run)
    found.outcomes["tenant"] = world["tenant_id"]
    return found


@pytest.fixture(scope="session")
def chromium_signin(lab) -> Capture:
    """alice signing in with Chromium itself (no trace header, its own redirects and cookies)."""
    from harness.drivers.browser import BrowserDriver, chromium_available, release_thread_browser

    if not chromium_available():
        pytest.skip("no Chromium here")
    driver = BrowserDriver(lab.descriptor()["tls"]["server_spki_sha256"])
    try:
        return capture(lab, lambda: sign_in(lab, "alice", driver))
    finally:
        driver.close()
        release_thread_browser()

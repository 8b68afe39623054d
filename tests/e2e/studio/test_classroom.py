"""``m365lab classroom --seats 3``: three worlds with the default world's cast, kept apart, and a
printable handout per seat."""

from __future__ import annotations

import pyotp

from harness.drivers.browser import BrowserDriver, release_thread_browser
from harness.drivers.flows import Credentials, Journey, sign_in_microsoft

from .conftest import NEEDS_CHROMIUM, SCREENSHOTS, lab_of

pytestmark = [NEEDS_CHROMIUM]


def _sign_in(lab: dict, person: dict) -> str:
    driver = BrowserDriver(lab["tls"]["server_spki_sha256"])
    try:
        journey = Journey(
            driver,
            lambda host: lab["urls"][host],
            lambda secret, host: pyotp.TOTP(secret).now(),
            Credentials(person["upn"], person["password"]),
        )
        return sign_in_microsoft(journey).outcome
    finally:
        driver.close()


def test_three_seats_keep_their_journeys_apart_and_have_handouts(command, chromium, tmp_path):
    room = command(
        "classroom", "--seats", "3", "--host", "127.0.0.1", "--port-base", "0",
        "--state-dir", str(tmp_path / "lab"),
    )  # fmt: skip
    link = room.wait_for(r"handouts: (https://\S+/handouts\?token=\S+)$", timeout=300).group(1)
    lab = lab_of(tmp_path / "lab" / "lab.json")
    seats = lab_of(tmp_path / "lab" / "classroom.json")
    assert sorted(seats) == ["1", "2", "3"]
    alices = [next(p for p in seats[n]["people"] if p["upn"].startswith("alice@")) for n in "12"]
    assert [a["upn"] for a in alices] == ["alice@seat1.contoso.com", "alice@seat2.contoso.com"]
    assert alices[0]["password"] != alices[1]["password"]  # each seat has its own secrets
    tenants = {seats[n]["microsoft"]["tenant_id"] for n in "123"}
    assert len(tenants | {lab["microsoft"]["tenant_id"]}) == 4

    assert _sign_in(lab, alices[0]) == "ok"
    assert _sign_in(lab, alices[1]) == "ok"
    release_thread_browser()

    page = chromium(lab["tls"]["server_spki_sha256"])
    page.goto(link)
    assert page.url.endswith("/handouts")
    assert page.locator("#seats li").count() == 3
    for seat, own, other in ((1, alices[0], alices[1]), (2, alices[1], alices[0])):
        page.goto(lab["urls"]["dashboard"] + f"/handouts/{seat}")
        journeys = page.inner_text("#seat-journeys")
        assert own["upn"] in journeys and other["upn"] not in journeys
    page.goto(lab["urls"]["dashboard"] + "/handouts/3")
    assert "alice@" not in page.inner_text("#seat-journeys")
    # the dashboard's journey list, filtered by seat with its form
    page.goto(lab["urls"]["dashboard"] + "/journeys")
    assert page.locator("#journeys li.journey").count() >= 2
    for seat, expected in ((1, 1), (2, 1), (3, 0)):  # each seat's alice signed in once
        page.select_option("#seat-filter select[name=seat]", str(seat))
        page.click("#seat-filter button[type=submit]")
        assert page.url.endswith(f"/journeys?seat={seat}")
        shown = page.locator("#journeys li.journey a").all_inner_texts()
        assert shown.count("alice → Microsoft 365: signed in") == expected, (seat, shown)

    page.goto(lab["urls"]["dashboard"] + "/handouts/1")
    assert page.inner_text(".handout-title") == "Seat 1: contososeat1.onmicrosoft.com"
    people = page.inner_text(".handout-people")
    for person in seats["1"]["people"]:
        assert person["upn"] in people and person["password"] in people
    admins = page.inner_text(".handout-admins")
    assert seats["1"]["microsoft"]["global_admin"]["password"] in admins
    assert lab["urls"]["portal"] in page.inner_text(".handout-urls")
    dave = next(p for p in seats["1"]["people"] if p.get("totp_secret"))
    assert page.inner_text(".totp-secret") == dave["totp_secret"]
    assert page.evaluate("document.querySelector('.totp-qr').naturalWidth") > 100
    assert lab["tls"]["server_spki_sha256"] in page.inner_text(".spki-pin")
    page.screenshot(path=str(SCREENSHOTS / "classroom-handout-seat-1.png"), full_page=True)

    page.goto(lab["urls"]["dashboard"] + "/handouts")
    page.click("#print-all")
    titles = page.locator(".handout-title").all_inner_texts()
    assert titles == [f"Seat {n}: contososeat{n}.onmicrosoft.com" for n in (1, 2, 3)]
    assert page.locator("#seat-journeys").count() == 0  # on paper: no journeys

    ca_link = page.get_attribute(".ca-link", "href")
    fresh = chromium(lab["tls"]["server_spki_sha256"])  # nobody signed in: the CA is public
    fresh.goto(lab["urls"]["dashboard"] + "/handouts/1")
    assert fresh.evaluate("document.body.dataset.page") == "dashboard.signin"
    pem = fresh.evaluate(f"fetch({ca_link!r}).then(r => r.text())")
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert room.stop() == 0

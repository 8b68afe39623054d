"""Journeys through both real drivers, against page-map stand-ins served by the lab."""

from __future__ import annotations

import pytest

from harness.drivers.browser import chromium_available

from .helpers import run, write_scenario
from .pagesystems import TOTP_SECRET

JOURNEYS = f"""
name: Journeys
steps:
  - signin.microsoft: {{username: alice@managed.test, password: pw}}
    id: alice
  - expect.equals: {{actual: "${{steps.alice.upn}}", expected: alice@managed.test}}
  - expect.page_shows: {{page: portal.signedin, element: user-upn, text: alice@managed.test}}
  - signout
  - signin.microsoft: {{username: bob@managed.test, password: wrong, expect: AADSTS50126}}
  - expect.error_code: AADSTS50126
  - signin.microsoft:
      person: {{upn: carol@fed.test, password: pw, jumpcloud_username: carol,
               totp_secret: {TOTP_SECRET}}}
  - expect.journal_contains: {{host: login, method: POST, path: /login.srf, status: 302}}
  - signout
  - signin.jumpcloud_portal: {{username: dave, password: pw, totp_secret: {TOTP_SECRET}}}
    id: dave
  - expect.equals: {{actual: "${{steps.dave.user_name}}", expected: dave}}
  - portal.launch_app: {{app_id: app1}}
  - expect.page_shows: {{element: user-upn, text: dave@fed.test}}
  - signin.jumpcloud_portal:
      {{username: erin, password: bad, expect: "jumpcloud:invalid_credentials"}}
"""


@pytest.mark.parametrize(
    "driver",
    [
        "http",
        pytest.param(
            "browser",
            marks=[
                pytest.mark.browser,
                pytest.mark.skipif(not chromium_available(), reason="no Chromium here"),
            ],
        ),
    ],
)
def test_journeys_under_each_driver(driver, lab_json, tmp_path):
    write_scenario(tmp_path / "s", "journeys.yaml", JOURNEYS)
    code, out = run(
        str(tmp_path / "s"), "--lab", lab_json, "--driver", driver, "--report", str(tmp_path / "r")
    )
    assert code == 0, out


def test_unexpected_page_fails_the_step_naming_the_page(lab_json, tmp_path):
    write_scenario(
        tmp_path / "s",
        "stuck.yaml",
        """
        name: Signed-in check on the wrong page
        steps:
          - page.open: {host: dashboard}
          - portal.launch_app: {app_id: app1}
        """,
    )
    code, out = run(str(tmp_path / "s"), "--lab", lab_json, "--report", str(tmp_path / "r"))
    assert code == 1
    assert (
        "step 2 (portal.launch_app): launching app app1 from the User Portal: expected "
        "jc.userportal.home but reached page 'jc.userportal.signin'" in out
    )

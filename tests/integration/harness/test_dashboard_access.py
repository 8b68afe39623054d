"""The dashboard needs the admin token: a one-time link, the token, or a bearer header."""

from __future__ import annotations

from harness.clients.useragent import UserAgent
from simulators.core.httpclient import lab_session


def test_without_a_token_there_is_a_sign_in_page_and_a_401(harness_lab):
    base = harness_lab.ctx.url("dashboard")
    with UserAgent(str(harness_lab.ctx.ca_file)) as agent:
        page = agent.get(base + "/")
        assert page.status == 401 and page.page_id == "dashboard.signin"
        assert "SAMLResponse" not in page.text and "timeline" not in page.text.lower()
    with lab_session(harness_lab.ctx.ca_file) as session:
        reply = session.get(base + "/api/timeline", timeout=30)
        assert reply.status_code == 401 and reply.json()["error"] == "unauthorized"
        wrong = session.get(base + "/api/timeline", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        bearer = {"Authorization": f"Bearer {harness_lab.ctx.admin_token}"}
        assert session.get(base + "/api/timeline", headers=bearer, timeout=30).status_code == 200


def test_the_sign_in_link_works_once_and_sets_a_session(harness_lab):
    link = harness_lab.system("dashboard").signin_link()
    with UserAgent(str(harness_lab.ctx.ca_file)) as agent:
        page = agent.get(link)
        assert page.page_id == "dashboard.timeline"
        assert "token=" not in page.url  # dropped from the address
        again = agent.get(harness_lab.ctx.url("dashboard") + "/api/timeline")
        assert again.status == 200  # the session cookie
    with UserAgent(str(harness_lab.ctx.ca_file)) as other:
        reused = other.get(link)
        assert reused.status == 401 and reused.page_id == "dashboard.signin"


def test_the_sign_in_form_takes_the_admin_token(harness_lab):
    base = harness_lab.ctx.url("dashboard")
    with UserAgent(str(harness_lab.ctx.ca_file)) as agent:
        page = agent.get(base + "/signin")
        refused = page.form("dashboard-signin").fill(token="not-the-token").submit()
        assert refused.status == 401 and refused.has("signin-error")
        page = refused.form("dashboard-signin").fill(token=harness_lab.ctx.admin_token).submit()
        assert page.page_id == "dashboard.timeline"

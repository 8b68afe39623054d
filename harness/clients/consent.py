"""Drive the real admin-consent flow with the HTTP user agent, as an admin would in a browser.

Admin console sign-in → ``/m365/authorize`` → Microsoft sign-in pages → consent (on behalf of
the organization) → JumpCloud's callback. Used by the lab's start-up so that consent is never
written into a database, and by tests.
"""

from __future__ import annotations

from urllib.parse import urlencode

from harness.clients.useragent import Page, UserAgent
from harness.errors import ConsentError

MAX_STEPS = 12


def _console_url(lab: dict) -> str:
    urls = lab.get("urls", lab)
    return str(urls["console"]).rstrip("/")


def _error_of(page: Page) -> tuple[str, str]:
    code = page.text_of("error-code") if page.has("error-code") else f"HTTP {page.status}"
    message = page.text_of("error-message") if page.has("error-message") else page.text[:300]
    return code, message


def authorize_with_user_agent(
    lab_descriptor_or_urls: dict,
    office365_id: str,
    admin_email: str,
    admin_password: str,
    ms_admin_upn: str,
    ms_admin_password: str,
    ca: str,
    *,
    reauthorize: bool = False,
    agent: UserAgent | None = None,
    decision: str = "accept",
) -> Page:
    """Authorize (or reauthorize) the instance; returns the ``jc.admin.m365.authorized`` page.

    ``decision="cancel"`` declines consent instead (the flow then ends on an error page,
    raised as :class:`ConsentError`).
    """
    agent = agent or UserAgent(ca)
    console = _console_url(lab_descriptor_or_urls)
    query = {"office365_id": office365_id}
    if reauthorize:
        query["reauthorize"] = "1"
    direct = f"{console}/m365/authorize?{urlencode(query)}"
    page = agent.get(f"{console}/directories")
    if page.page_id == "jc.admin.signin":
        form = page.form("admin-login-form").fill(email=admin_email, password=admin_password)
        page = form.submit()
    # the Cloud Directories page's Authorize / Reauthorize button, as an admin would click it
    page = agent.get(page.link(f"authorize-{office365_id}") if page.has(f"authorize-{office365_id}")
                     else direct)  # fmt: skip
    for _ in range(MAX_STEPS):
        kind = page.page_id
        if kind == "jc.admin.m365.authorized":
            return page
        if kind == "jc.admin.signin":
            form = page.form("admin-login-form").fill(email=admin_email, password=admin_password)
            page = form.submit()
        elif kind == "ms.signin.username":
            page = page.form("credentials").fill(loginfmt=ms_admin_upn).submit()
        elif kind == "ms.signin.password":
            page = page.form("credentials").fill(passwd=ms_admin_password).submit()
        elif kind == "ms.consent":
            form = page.form("consent")
            if decision == "accept":
                form.set("consent_org", "true")
            page = form.submit(decision)
        elif kind == "ms.consent.admin_required":
            # "Need admin approval": all a user can do is return to the application
            page = page.form("consent").submit("cancel")
        else:
            code, message = _error_of(page)
            raise ConsentError(code, f"{message} (page {kind or '?'} at {page.url})", page)
    raise ConsentError("too_many_steps", f"consent did not finish (last page {page.page_id})", page)

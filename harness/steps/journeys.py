"""User journeys through the scenario's driver (``http`` or ``browser``, same semantics).

A ``person`` argument takes a person of the world (``${people.alice}``): its ``upn``,
``password``, ``jumpcloud_username``, ``totp_secret``, ``mfa_secret`` and expected ``sign_in``
outcome fill in whatever the step is not given explicitly.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

from harness.drivers import flows
from harness.drivers.flows import Credentials, Journey, Outcome
from harness.scenario.context import StepContext
from harness.scenario.errors import ExpectationFailed, StepError
from harness.scenario.registry import step
from harness.steps.microsoft import GRAPH_SCOPE


def credentials(
    person: dict[str, Any] | None,
    *,
    username: str | None = None,
    password: str | None = None,
    jumpcloud_username: str | None = None,
    totp_secret: str | None = None,
    mfa_secret: str | None = None,
    new_password: str | None = None,
) -> Credentials:
    """Credentials from explicit arguments, falling back on the person's fields."""
    person = person or {}
    user = username or person.get("upn") or person.get("username") or person.get("email")
    secret = password or person.get("password")
    if not user or not secret:
        raise StepError("give a person, or a username and a password")
    return Credentials(
        username=user,
        password=secret,
        jumpcloud_username=jumpcloud_username or person.get("jumpcloud_username"),
        totp_secret=totp_secret or person.get("totp_secret"),
        mfa_secret=mfa_secret or person.get("mfa_secret"),
        new_password=new_password or person.get("new_password"),
    )


def journey(ctx: StepContext, creds: Credentials | None = None, **options: Any) -> Journey:
    return Journey(ctx.driver, ctx.url, ctx.totp, creds, **options)


def check_outcome(action: str, outcome: Outcome, expected: str) -> dict:
    """The outcome as a step result; ExpectationFailed if it is not ``expected``."""
    result = outcome.as_dict()
    if outcome.outcome != expected:
        trail = " -> ".join(str(p) for p in outcome.pages)
        detail = (
            f" ({outcome.details['error_message']})" if outcome.details.get("error_message") else ""
        )
        raise ExpectationFailed(
            f"{action}: expected {expected}, got {outcome.outcome}{detail} on page "
            f"{outcome.page} at {outcome.url}; pages: {trail}",
            expected=expected,
            actual=outcome.outcome,
        )
    return result


@step("signin.microsoft")
def signin_microsoft(
    ctx: StepContext,
    person: dict[str, Any] | None = None,
    username: str | None = None,
    password: str | None = None,
    jumpcloud_username: str | None = None,
    totp_secret: str | None = None,
    mfa_secret: str | None = None,
    new_password: str | None = None,
    consent: Literal["accept", "cancel"] = "accept",
    expect: str | None = None,
) -> dict:
    """Sign in from the Microsoft 365 portal (federated users through JumpCloud, with TOTP);
    ``expect`` is ``ok`` or the error code shown (default: the person's ``sign_in``, else ok).
    Returns ``outcome``, ``page``, ``pages`` and, when signed in, ``display_name``, ``upn``,
    ``tenant_id`` (plus ``mfa_secret`` when Microsoft MFA was registered on the way)."""
    creds = credentials(
        person,
        username=username,
        password=password,
        jumpcloud_username=jumpcloud_username,
        totp_secret=totp_secret,
        mfa_secret=mfa_secret,
        new_password=new_password,
    )
    expected = expect or (person or {}).get("sign_in") or flows.OK
    outcome = flows.sign_in_microsoft(journey(ctx, creds, consent=consent))
    return check_outcome(f"signing in {creds.username} at Microsoft", outcome, expected)


@step("signin.jumpcloud_portal")
def signin_jumpcloud_portal(
    ctx: StepContext,
    person: dict[str, Any] | None = None,
    username: str | None = None,
    password: str | None = None,
    totp_secret: str | None = None,
    new_password: str | None = None,
    expect: str = flows.OK,
) -> dict:
    """Sign in at the JumpCloud User Portal (TOTP computed at the lab clock's time)."""
    person = person or {}
    creds = credentials(
        person,
        username=username or person.get("jumpcloud_username"),
        password=password,
        totp_secret=totp_secret,
        new_password=new_password,
    )
    outcome = flows.sign_in_jumpcloud_portal(journey(ctx, creds))
    return check_outcome(f"signing in {creds.username} at the User Portal", outcome, expect)


@step("portal.launch_app")
def launch_app(
    ctx: StepContext,
    app_id: str | None = None,
    lands_on: str = "portal.signedin",
    expect: str = flows.OK,
    person: dict[str, Any] | None = None,
) -> dict:
    """Click an app tile on the User Portal home (default: the Microsoft 365 SAML app) and
    follow SSO to ``lands_on``; ``person`` answers any sign-in asked for on the way."""
    app = app_id or ctx.section("jumpcloud", "m365_sso_app_id")
    creds = credentials(person) if person else None
    outcome = flows.launch_app(journey(ctx, creds), app, lands_on)
    return check_outcome(f"launching app {app}", outcome, expect)


@step("password.change_jumpcloud")
def change_jumpcloud_password(
    ctx: StepContext, current: str, new: str, expect: str = flows.OK
) -> dict:
    """Change the signed-in user's password on the User Portal; returns its ``message``."""
    outcome = flows.change_jumpcloud_password(journey(ctx), current, new)
    return check_outcome("changing the JumpCloud password", outcome, expect)


@step("consent.admin")
def consent_admin(
    ctx: StepContext,
    person: dict[str, Any] | None = None,
    username: str | None = None,
    password: str | None = None,
    mfa_secret: str | None = None,
    url: str | None = None,
    client_id: str | None = None,
    redirect_uri: str | None = None,
    decision: Literal["accept", "cancel"] = "accept",
    expect: str = flows.OK,
) -> dict:
    """Give (or refuse) admin consent: open ``url`` or the v2 ``adminconsent`` URL for
    ``client_id``/``redirect_uri``, sign in as the admin (default: the world's Global
    Administrator), decide for the organization, and follow the redirect back."""
    if person is None and username is None:
        person = {
            "upn": ctx.section("microsoft", "global_admin", "upn"),
            "password": ctx.section("microsoft", "global_admin", "password"),
        }
    creds = credentials(person, username=username, password=password, mfa_secret=mfa_secret)
    if url is None:
        if not client_id or not redirect_uri:
            raise StepError("give url, or client_id and redirect_uri")
        tenant = ctx.section("microsoft", "tenant_id")
        query = urlencode(
            {
                "client_id": client_id,
                "scope": GRAPH_SCOPE,
                "redirect_uri": redirect_uri,
                "state": ctx.trace[:16],
            }
        )
        url = f"{ctx.url('login')}/{tenant}/v2.0/adminconsent?{query}"
    outcome = flows.admin_consent(journey(ctx, creds, consent=decision, consent_org=True), url)
    return check_outcome("giving admin consent", outcome, expect)


@step("signout")
def signout(ctx: StepContext, system: Literal["microsoft", "jumpcloud"] = "microsoft") -> dict:
    """Sign out of the Microsoft 365 portal or the JumpCloud User Portal."""
    outcome = flows.sign_out(journey(ctx), system)
    return check_outcome(f"signing out of {system}", outcome, flows.OK)

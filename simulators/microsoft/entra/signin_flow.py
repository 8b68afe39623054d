"""The HTTP side of the sign-in machine: one machine per request, the SSO cookie, rendering.

``signin.machine.SignInMachine`` decides; this module builds it from the request (the SSO
cookie), writes the session it started or ended back to the cookie, and renders its outcome.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, g
from flask import session as cookie
from flask.typing import ResponseReturnValue

from simulators.microsoft.entra import pages
from simulators.microsoft.entra.errors import deliver, error_page, redirect_with_error
from simulators.microsoft.entra.federation import begin_federated_signin
from simulators.microsoft.entra.signin import machine as rules
from simulators.microsoft.entra.signin import outcomes
from simulators.microsoft.entra.signin.machine import SignInMachine
from simulators.microsoft.entra.signin.outcomes import Outcome, Page
from simulators.microsoft.model.records import EntraUserRow
from simulators.microsoft.services import services

SESSION_KEY = "ms_sso"
_MACHINE = "ms_signin_machine"
"""``flask.g`` key: this request's machine (it knows the session the request started)."""

_PAGES: dict[Page, Callable[..., Response]] = {
    Page.USERNAME: pages.username_page,
    Page.PASSWORD: pages.password_page,
    Page.CHANGE_PASSWORD: pages.change_password_page,
    Page.MFA: pages.mfa_page,
    Page.MFA_REGISTER: pages.mfa_register_page,
    Page.CONSENT: pages.consent_page,
    Page.ADMIN_APPROVAL: pages.admin_approval_page,
}


def machine() -> SignInMachine:
    """This request's sign-in machine, on the browser's SSO cookie."""
    found = g.get(_MACHINE)
    if found is None:
        svc = services()
        found = SignInMachine(svc.directory, svc.journal, cookie.get(SESSION_KEY))
        setattr(g, _MACHINE, found)
    return found


def _write_cookie(m: SignInMachine) -> None:
    if m.session_changed:
        if m.session_id:
            cookie[SESSION_KEY] = m.session_id
        else:
            cookie.pop(SESSION_KEY, None)
        m.session_changed = False


def render(outcome: Outcome) -> ResponseReturnValue:
    """The HTTP response of a sign-in outcome."""
    if isinstance(outcome, outcomes.ShowPage):
        return _PAGES[outcome.page](outcome.pending, **outcome.fields)
    if isinstance(outcome, outcomes.ShowError):
        return error_page(outcome.error, outcome.correlation)
    if isinstance(outcome, outcomes.ErrorToClient):
        return redirect_with_error(
            outcome.redirect_uri,
            outcome.error,
            state=outcome.state,
            response_mode=outcome.response_mode,
            correlation=outcome.correlation,
        )
    if isinstance(outcome, outcomes.Deliver):
        return deliver(outcome.redirect_uri, outcome.params, outcome.response_mode)
    if isinstance(outcome, outcomes.Federate):
        return begin_federated_signin(
            outcome.tenant, outcome.domain, outcome.user_hint, outcome.pending
        )
    raise TypeError(f"not a sign-in outcome: {outcome!r}")


def run(step: Callable[[SignInMachine], Outcome]) -> ResponseReturnValue:
    """Run one step of the machine, keep the SSO cookie in step, render the outcome."""
    m = machine()
    outcome = step(m)
    _write_cookie(m)
    return render(outcome)


# -- what other parts of the login host use ------------------------------------------------
def load_pending(pending_id: str | None) -> dict | None:
    """The pending sign-in named by a form's ``ctx`` or a SAML RelayState (None if expired)."""
    return machine().load_pending(pending_id)


def current_session() -> dict | None:
    """The browser's Entra session (the SSO cookie of the login host)."""
    return machine().current_session()


def start_session(tenant_id: str, user_id: str, amr: list[str]) -> None:
    """Start the browser's Entra session and set the SSO cookie to it."""
    m = machine()
    m.start_session(tenant_id, user_id, amr)
    _write_cookie(m)


def end_session() -> None:
    """Sign the browser out of Entra: revoke its session and drop the SSO cookie."""
    m = machine()
    m.end_session()
    _write_cookie(m)


def record(pending: dict, result: str, **kw) -> None:
    """A decision in the tenant's sign-in log and the lab journal (see ``SignInMachine.record``)."""
    machine().record(pending, result, **kw)


def expired_context() -> ResponseReturnValue:
    return render(rules.expired_context())


def complete_signin(
    pending: dict | str, user: EntraUserRow, amr: list[str], *, tenant_id: str | None = None
) -> ResponseReturnValue:
    """The user is authenticated: see ``SignInMachine.complete``."""
    return run(lambda m: m.complete(pending, user, amr, tenant_id=tenant_id))
